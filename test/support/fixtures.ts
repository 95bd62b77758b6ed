// The world a test starts from, in one line each: tips as the public sends them, a contributor
// signed in from their receipt, payouts at each step of the money path. Every test file uses these
// (STYLE.md: shared fixtures, never a local copy). They go through the app's public HTTP API, as
// the world would; a journey's own steps are done on the pages by the test itself.
import { expect } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import type { Page } from 'playwright-core';
import request from 'supertest';
import type { AcceptPayoutDto, OfferPayoutDto } from '../../src/payouts/dto/payouts.dto.js';
import { PayoutsService } from '../../src/payouts/payouts.service.js';
import type { StaffPrincipal } from '../../src/staff/access.js';
import { CSRF_HEADER } from '../../src/staff/access.guard.js';
import type { StaffRole } from '../../src/staff/staff.entities.js';
import { StaffService } from '../../src/staff/staff.service.js';
import type { CreateTipDto } from '../../src/tips/dto/create-tip.dto.js';
import { TipIntakeService } from '../../src/tips/tip-intake.service.js';
import { sampleVideo } from './media-samples.js';
import { openRiskCodes } from './payout-risks.js';
import type { ServiceApp } from './service-app.js';
import { sessionCookie, type SignedInStaff } from './staff.js';

/** Anything with the app's address and a pool on its database (TestApp, ServiceApp with a url). */
export interface AppUnderTest {
  url: string;
  db: { query<R extends object = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<{ rows: R[] }> };
}

export const CONSENT = { consentTerms: true, consentOwnWork: true, consentOver18: true } as const;

/** What the contributor keeps from the receipt page, and the tip's id for the test's own checks. */
export interface Receipt {
  id: string;
  reference: string;
  secret: string;
}

export interface TipFields {
  story?: string;
  name?: string;
  email?: string;
  phone?: string;
  location?: string;
  occurredAt?: string;
  licence?: 'exclusive' | 'non_exclusive';
}

/** The tip's id from its reference (what a receipt names). */
export async function tipIdOf(t: AppUnderTest, reference: string): Promise<string> {
  const { rows } = await t.db.query<{ id: string }>('SELECT id FROM tips WHERE reference = $1', [reference]);
  if (!rows[0]) throw new Error(`No tip ${reference}`);
  return rows[0].id;
}

/**
 * A tip sent through the public API: JSON, or multipart with `videos` copies of the sample video
 * and the given `files` (as the form sends files). Fails the test unless it is 201.
 */
export async function postTip(
  t: AppUnderTest,
  fields: TipFields = {},
  options: { videos?: number; files?: { bytes: Buffer; filename: string; contentType: string }[] } = {},
): Promise<Receipt> {
  const all: Record<string, unknown> = { story: 'Flooding on the high street after the storm', ...fields, ...CONSENT };
  let res: request.Response;
  if (options.videos || options.files?.length) {
    const req = request(t.url).post('/api/tips');
    for (const [name, value] of Object.entries(all)) if (value !== undefined) req.field(name, String(value));
    for (let i = 0; i < (options.videos ?? 0); i++) req.attach('files', sampleVideo(), { filename: `IMG_20${41 + i}.MP4`, contentType: 'video/mp4' });
    for (const file of options.files ?? []) req.attach('files', file.bytes, { filename: file.filename, contentType: file.contentType });
    res = await req;
  } else {
    res = await request(t.url).post('/api/tips').send(all);
  }
  expect(res.status).toBe(201);
  return { id: await tipIdOf(t, res.body.reference), reference: res.body.reference, secret: res.body.secret };
}

/** A contributor signed in over the API with their receipt: requests that carry the session cookie (and, for writes, the CSRF token). */
export interface SignedInContributor extends Receipt {
  cookie: string;
  csrfToken: string;
  get(path: string): request.Test;
  post(path: string): request.Test;
}

export async function signedInContributor(t: AppUnderTest, receipt: Receipt): Promise<SignedInContributor> {
  const session = await request(t.url).post('/api/contributor/session').send({ reference: receipt.reference, secret: receipt.secret }).expect(200);
  const cookie = sessionCookie(session, 'tipdesk_contributor');
  const csrfToken = session.body.csrfToken as string;
  return {
    ...receipt,
    cookie,
    csrfToken,
    get: (path) => request(t.url).get(path).set('Cookie', cookie),
    post: (path) => request(t.url).post(path).set('Cookie', cookie).set(CSRF_HEADER, csrfToken),
  };
}

/** A new tip and its contributor, signed in. */
export async function contributorWithTip(t: AppUnderTest, fields: TipFields = {}, options: { videos?: number } = {}): Promise<SignedInContributor> {
  return signedInContributor(t, await postTip(t, fields, options));
}

/** In a browser: follows the receipt's link to /status, types the secret and signs in, as the contributor does. */
export async function signInFromReceipt(page: Page, t: { url: string }, receipt: { reference: string; secret: string }): Promise<void> {
  const response = await page.goto(`${t.url}/status?reference=${receipt.reference}`);
  expect(response?.status()).toBe(200);
  // The link fills in the reference; the contributor types only the secret.
  expect(await page.getByLabel('Reference').inputValue()).toBe(receipt.reference);
  await page.getByLabel('Secret').fill(receipt.secret);
  await Promise.all([page.waitForURL((url) => url.pathname === '/status/tip'), page.getByRole('button', { name: 'Check my tip' }).click()]);
}

// ---- payouts along the money path ----------------------------------------------------------------

export const GBP_OFFER = { amountMinor: 25_000, currency: 'GBP', licence: 'exclusive' } as const;
let accountNumber = 30_000_000;
/** UK bank details of an account of its own (no PAYEE_SHARED with another test's payee). */
export const ukPayee = () => ({ method: 'uk_bank', accountName: 'Jo Bloggs', sortCode: '20-00-00', accountNumber: String(++accountNumber) });

export interface PayoutFixture {
  id: string;
  version: number;
  bankReference: string;
  contributor: SignedInContributor;
}

/** The payout as the desk sees it (GET /api/tips/:id/payouts is open to editors, accounting and admins). */
async function readPayout(reader: SignedInStaff, tipId: string, id: string): Promise<{ id: string; version: number; bankReference: string }> {
  const payouts = (await reader.get(`/api/tips/${tipId}/payouts`).expect(200)).body as { id: string; version: number; bankReference: string }[];
  const payout = payouts.find((p) => p.id === id);
  if (!payout) throw new Error(`Payout ${id} is not on tip ${tipId}`);
  return payout;
}

/** An offer made by `editor` on a new tip (or the given contributor's). */
export async function offeredPayout(
  t: AppUnderTest,
  editor: SignedInStaff,
  options: { offer?: object; contributor?: SignedInContributor } = {},
): Promise<PayoutFixture> {
  const contributor = options.contributor ?? (await contributorWithTip(t));
  const offer = (
    await editor
      .post(`/api/tips/${contributor.id}/payouts`)
      .send(options.offer ?? GBP_OFFER)
      .expect(201)
  ).body;
  return { id: offer.id, version: offer.version, bankReference: offer.bankReference, contributor };
}

/** An offer the contributor accepted, giving `payee` (an account of its own by default). */
export async function acceptedPayout(
  t: AppUnderTest,
  editor: SignedInStaff,
  options: { offer?: object; payee?: object; contributor?: SignedInContributor } = {},
): Promise<PayoutFixture> {
  const offered = await offeredPayout(t, editor, options);
  await offered.contributor
    .post(`/api/contributor/payouts/${offered.id}/accept`)
    .send({ confirmLicence: true, ...(options.payee ?? ukPayee()) })
    .expect(200);
  return { ...offered, version: (await readPayout(editor, offered.contributor.id, offered.id)).version };
}

/** Accepted, then approved by `accountant` (acknowledging whatever risks it carries). */
export async function approvedPayout(
  t: AppUnderTest,
  editor: SignedInStaff,
  accountant: SignedInStaff,
  options: { offer?: object; payee?: object; contributor?: SignedInContributor } = {},
): Promise<PayoutFixture> {
  const accepted = await acceptedPayout(t, editor, options);
  const approved = (
    await accountant
      .post(`/api/payouts/${accepted.id}/approve`)
      .send({ version: accepted.version, acknowledgeRisks: await openRiskCodes(accountant, accepted.id) })
      .expect(200)
  ).body;
  return { ...accepted, version: approved.version };
}

// ---- the same world on the service tier (test/service/: no HTTP, services called directly) ------

/** A staff member made the way the CLI makes one, as the services see them signed in. */
export async function serviceStaff(s: ServiceApp, role: StaffRole, fields: { name?: string } = {}): Promise<StaffPrincipal> {
  const suffix = randomBytes(4).toString('hex');
  const user = await s.get(StaffService).create('system', {
    email: `${role}-${suffix}@newsroom.test`,
    name: fields.name ?? `${role[0].toUpperCase()}${role.slice(1)} ${suffix}`,
    role,
    password: `pw-${randomBytes(12).toString('base64url')}`,
  });
  return { id: user.id, email: user.email, name: user.name, role: user.role, totpEnabled: false };
}

/** A tip as the public form sends it (through TipIntakeService, as the route does): its id and receipt. */
export async function serviceTip(s: ServiceApp, fields: TipFields = {}): Promise<Receipt> {
  const { receipt } = await s.get(TipIntakeService).submit({
    tip: { story: 'Flooding on the high street after the storm', ...fields, ...CONSENT } as CreateTipDto,
    files: [],
    channel: 'web',
    clientAddress: '127.0.0.1',
  });
  const { rows } = await s.db.query<{ id: string }>('SELECT id FROM tips WHERE reference = $1', [receipt.reference]);
  return { id: rows[0].id, reference: receipt.reference, secret: receipt.secret };
}

export interface ServicePayoutFixture {
  id: string;
  version: number;
  tipId: string;
}

/** An offer made by `editor` through PayoutsService on a new tip (or `tipId`). */
export async function serviceOfferedPayout(
  s: ServiceApp,
  editor: StaffPrincipal,
  options: { offer?: Partial<OfferPayoutDto>; tipId?: string } = {},
): Promise<ServicePayoutFixture> {
  const tipId = options.tipId ?? (await serviceTip(s)).id;
  const payout = await s.get(PayoutsService).offer(editor, tipId, { ...GBP_OFFER, ...options.offer } as OfferPayoutDto);
  return { id: payout.id, version: payout.version, tipId };
}

/** An offer its contributor accepted, giving `payee` (an account of its own by default). */
export async function serviceAcceptedPayout(
  s: ServiceApp,
  editor: StaffPrincipal,
  options: { offer?: Partial<OfferPayoutDto>; payee?: object; tipId?: string } = {},
): Promise<ServicePayoutFixture> {
  const offered = await serviceOfferedPayout(s, editor, options);
  const payouts = s.get(PayoutsService);
  await payouts.accept(offered.tipId, offered.id, { confirmLicence: true, ...(options.payee ?? ukPayee()) } as AcceptPayoutDto);
  return { ...offered, version: (await payouts.get(offered.id)).version };
}

/** Accepted, then approved by `accountant`, acknowledging whatever risks it carries. */
export async function serviceApprovedPayout(
  s: ServiceApp,
  editor: StaffPrincipal,
  accountant: StaffPrincipal,
  options: { offer?: Partial<OfferPayoutDto>; payee?: object; tipId?: string } = {},
): Promise<ServicePayoutFixture> {
  const accepted = await serviceAcceptedPayout(s, editor, options);
  const payouts = s.get(PayoutsService);
  const risks = (await payouts.get(accepted.id)).risks.filter((r) => !r.cleared).map((r) => r.code);
  const approved = await payouts.approve(accountant, accepted.id, { version: accepted.version, acknowledgeRisks: risks });
  return { ...accepted, version: approved.version };
}
