// The intake's rules without HTTP: what a tip must carry (the DTO's rules, as the global pipe
// applies them), what TipIntakeService stores, Idempotency-Key replays, and the file limit.
// test/e2e/tip-intake.e2e-spec.ts keeps what HTTP adds: status codes, multipart limits, headers,
// streaming, one case per error code.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { validateInput } from '../../src/http/validation.js';
import { CreateTipDto } from '../../src/tips/dto/create-tip.dto.js';
import { TipIntakeService, type TipSubmission } from '../../src/tips/tip-intake.service.js';
import { startServiceApp, type ServiceApp } from '../support/service-app.js';

const consent = { consentTerms: true, consentOwnWork: true, consentOver18: true };
const validTip = { story: 'A fox is riding the number 12 tram', ...consent };

let s: ServiceApp;
let intake: TipIntakeService;

beforeAll(async () => {
  s = await startServiceApp({ MAX_FILES_PER_TIP: '3' });
  intake = s.get(TipIntakeService);
});
afterAll(() => s?.close());

/** The field errors the global pipe would answer 400 VALIDATION_FAILED with (undefined when the tip is valid). */
const fieldErrors = async (body: Record<string, unknown>) => (await validateInput(CreateTipDto, body)).errors;

/** A valid tip as the pipe hands it to the service. */
async function submission(body: Record<string, unknown> = validTip, extra: Partial<TipSubmission> = {}): Promise<TipSubmission> {
  const { value, errors } = await validateInput(CreateTipDto, body);
  if (errors) throw new Error(`not a valid tip: ${JSON.stringify(errors)}`);
  return { tip: value, files: [], channel: 'api', clientAddress: '192.0.2.10', ...extra };
}

const refusal = async (work: Promise<unknown>) => {
  const error = await work.then(
    () => undefined,
    (e: unknown) => e as { code?: string; status?: number },
  );
  if (!error) throw new Error('expected the intake to refuse');
  return error;
};

describe('what a tip must carry (CreateTipDto)', () => {
  it('a valid tip has no errors', async () => {
    expect(await fieldErrors(validTip)).toBeUndefined();
  });

  it('story over 20,000 characters: names story', async () => {
    const errors = await fieldErrors({ ...validTip, story: 'x'.repeat(20_001) });
    expect(errors?.story[0]).toMatch(/longer than 20000/);
  });

  it.each(['consentTerms', 'consentOwnWork', 'consentOver18'])('%s not true: names only that field', async (field) => {
    for (const value of [false, 'maybe', undefined]) {
      expect(Object.keys((await fieldErrors({ ...validTip, [field]: value })) ?? {})).toEqual([field]);
    }
  });

  it('honeypot filled: names website', async () => {
    expect((await fieldErrors({ ...validTip, website: 'http://spam.example' }))?.website).toBeDefined();
  });

  it('malformed email: says so in words', async () => {
    expect((await fieldErrors({ ...validTip, email: 'not-an-email@' }))?.email).toEqual(['This does not look like an email address']);
  });

  it('occurredAt in the future or not a date: names occurredAt', async () => {
    const future = new Date(Date.now() + 86_400_000).toISOString();
    for (const occurredAt of [future, 'yesterday', '2026-13-45', '12345']) {
      expect((await fieldErrors({ ...validTip, occurredAt }))?.occurredAt).toBeDefined();
    }
  });

  it('unknown field: names it, "This field is not allowed"', async () => {
    expect(await fieldErrors({ ...validTip, status: 'verified' })).toEqual({ status: ['This field is not allowed'] });
  });

  it('none of the refused tips reached the tables', async () => {
    for (const table of ['tips', 'contributors', 'consents', 'media', 'audit_events']) expect(await s.count(table)).toBe(0);
  });
});

describe('TipIntakeService.submit', () => {
  it('stores tip, consent and contributor (contact details encrypted) with one tip.created event', async () => {
    const { receipt, replayed } = await intake.submit(
      await submission({ ...validTip, name: 'Ada Lovelace', email: 'ada@example.com', phone: '+44 7700 900123', location: 'Leeds', licence: 'exclusive' }),
    );
    expect(replayed).toBe(false);
    expect(receipt.statusUrl).toBe(`${s.config.publicBaseUrl}/status?reference=${receipt.reference}`);
    const {
      rows: [tip],
    } = await s.db.query('SELECT * FROM tips WHERE reference = $1', [receipt.reference]);
    expect(tip).toMatchObject({ channel: 'api', status: 'new', story: validTip.story, location: 'Leeds', version: 1 });
    expect(JSON.stringify(tip)).not.toContain(receipt.secret);
    const {
      rows: [consentRow],
    } = await s.db.query('SELECT * FROM consents WHERE tip_id = $1', [tip.id]);
    expect(consentRow).toMatchObject({ licence: 'exclusive', own_work: true, over18: true, channel: 'api' });
    const {
      rows: [contributor],
    } = await s.db.query('SELECT * FROM contributors WHERE id = $1', [tip.contributor_id]);
    expect(contributor.name).toBe('Ada Lovelace');
    expect(JSON.stringify(contributor)).not.toMatch(/ada@example\.com|7700/);
    const { rows: audit } = await s.db.query(`SELECT action, actor_type FROM audit_events WHERE entity_id = $1`, [tip.id]);
    expect(audit).toEqual([{ action: 'tip.created', actor_type: 'contributor' }]);
  });

  it('the same Idempotency-Key twice: one tip, and the second answer is the first, marked replayed', async () => {
    const before = await s.count('tips');
    const key = `retry-${randomUUID()}`;
    const first = await intake.submit(await submission(validTip, { idempotencyKey: key }));
    const second = await intake.submit(await submission(validTip, { idempotencyKey: key }));
    expect(second).toEqual({ receipt: first.receipt, replayed: true });
    expect(await s.count('tips')).toBe(before + 1);
  });

  it('an Idempotency-Key reused for a different tip: IDEMPOTENCY_KEY_REUSED (422), nothing new', async () => {
    const key = `reuse-${randomUUID()}`;
    await intake.submit(await submission(validTip, { idempotencyKey: key }));
    const before = await s.count('tips');
    const error = await refusal(intake.submit(await submission({ ...validTip, story: 'Something else' }, { idempotencyKey: key })));
    expect(error).toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED', status: 422 });
    expect(await s.count('tips')).toBe(before);
  });

  it('more attachments than MAX_FILES_PER_TIP (tus uploads counted with the files): TOO_MANY_FILES, nothing new', async () => {
    const before = await s.count('tips');
    const uploads = Array.from({ length: 4 }, () => randomUUID());
    const error = await refusal(intake.submit(await submission({ ...validTip, uploads })));
    expect(error.code).toBe('TOO_MANY_FILES');
    expect(await s.count('tips')).toBe(before);
  });
});
