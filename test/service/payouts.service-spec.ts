// PayoutsService's rule tables on the service tier: who may approve, legal sign-off, and every
// illegal move of the state machine. HTTP adds nothing to these (test/e2e/payouts.e2e-spec.ts keeps
// one request per error code, so the status codes stay covered there).
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { nextPayoutStates } from '../../src/payouts/payout-states.js';
import { PAYOUT_STATES, type PayoutState } from '../../src/payouts/payouts.entities.js';
import { PayoutsService } from '../../src/payouts/payouts.service.js';
import type { StaffPrincipal } from '../../src/staff/access.js';
import { serviceAcceptedPayout, serviceStaff, ukPayee } from '../support/fixtures.js';
import { startServiceApp, type ServiceApp } from '../support/service-app.js';

let s: ServiceApp;
let service: PayoutsService;
let editor: StaffPrincipal;
let otherEditor: StaffPrincipal;
let accountant: StaffPrincipal;
let otherAccountant: StaffPrincipal;

beforeAll(async () => {
  s = await startServiceApp();
  service = s.get(PayoutsService);
  editor = await serviceStaff(s, 'editor');
  otherEditor = await serviceStaff(s, 'editor');
  accountant = await serviceStaff(s, 'accounting');
  otherAccountant = await serviceStaff(s, 'accounting');
});
afterAll(() => s?.close());

describe('who may approve', () => {
  it('approving your own offer through the service, not just the route: PAYOUT_OWN_OFFER', async () => {
    const p = await serviceAcceptedPayout(s, editor);
    await expect(service.approve({ ...editor, role: 'admin' }, p.id, { version: p.version })).rejects.toMatchObject({
      code: 'PAYOUT_OWN_OFFER',
      status: 403,
    });
  });

  it('an editor approving through the service: 403 PAYOUT_ROLE_REFUSED', async () => {
    const p = await serviceAcceptedPayout(s, editor);
    await expect(service.approve(otherEditor, p.id, { version: p.version })).rejects.toMatchObject({ code: 'PAYOUT_ROLE_REFUSED', status: 403 });
  });
});

describe('legal sign-off', () => {
  it('approving a payout flagged under clause 16 without sign-off: 409', async () => {
    const p = await serviceAcceptedPayout(s, editor, { offer: { legalFlags: { witness: false, crime: true } } });
    const risks = (await service.get(p.id)).risks.map((r) => r.code);
    await expect(service.approve(accountant, p.id, { version: p.version, acknowledgeRisks: risks })).rejects.toMatchObject({
      status: 409,
      code: 'PAYOUT_LEGAL_SIGN_OFF_REQUIRED',
    });
  });
});

describe('every illegal transition through the service: 409', () => {
  let tipId: string;
  let payeeId: string;
  let batchId: string;
  beforeAll(async () => {
    const accepted = await serviceAcceptedPayout(s, editor);
    tipId = accepted.tipId;
    payeeId = (await service.get(accepted.id)).payee!.id;
    const [batch] = (
      await s.db.query<{ id: string }>(
        `INSERT INTO payout_batches (format, currency, created_by, count, total_minor) VALUES ('csv', 'GBP', $1, 0, 0) RETURNING id`,
        [accountant.id],
      )
    ).rows;
    batchId = batch.id;
  });

  /** A payout put straight into `state` (with what that state needs), offered by the editor. */
  async function payoutIn(state: PayoutState): Promise<{ id: string; version: number }> {
    const needsPayee = !['offered', 'declined', 'cancelled'].includes(state);
    const needsApproval = ['approved', 'batched', 'paid', 'failed'].includes(state);
    const inBatch = ['batched', 'paid', 'failed'].includes(state);
    const {
      rows: [row],
    } = await s.db.query<{ id: string; version: number }>(
      `INSERT INTO payouts (tip_id, contributor_id, amount_minor, currency, licence, state, bank_reference, offered_by, offered_at,
                            payee_details_id, approved_by, approved_at, batch_id)
       SELECT id, contributor_id, 1000, 'GBP', 'exclusive', $2, 'TIPDESK ' || upper(substr(md5(random()::text), 1, 8)), $3, now(),
              $4, $5, CASE WHEN $5::uuid IS NULL THEN NULL ELSE now() END, $6
         FROM tips WHERE id = $1 RETURNING id, version`,
      [tipId, state, editor.id, needsPayee ? payeeId : null, needsApproval ? accountant.id : null, inBatch ? batchId : null],
    );
    return row;
  }

  const MOVES: Partial<Record<PayoutState, (p: { id: string; version: number }) => Promise<unknown>>> = {
    accepted: (p) => service.release(otherAccountant, p.id, { version: p.version }),
    declined: (p) => service.decline(tipId, p.id),
    cancelled: (p) => service.cancel(otherAccountant, p.id, { version: p.version, reason: 'test' }),
    held: (p) => service.hold(otherAccountant, p.id, { version: p.version, reason: 'test' }),
    approved: (p) => service.approve(otherAccountant, p.id, { version: p.version }),
    paid: (p) => service.markPaid(otherAccountant, p.id, { version: p.version, reference: 'REF' }),
    failed: (p) => service.markFailed(otherAccountant, p.id, { version: p.version, reason: 'test' }),
  };
  // `offered` has no move: a payout is only ever created offered (or reissued accepted).
  const illegal = PAYOUT_STATES.flatMap((from) =>
    PAYOUT_STATES.filter((to) => to !== 'offered' && !nextPayoutStates(from).includes(to)).map((to) => [from, to] as const),
  );

  // A batch takes payouts by state (set-based), so "→ batched" is never refused: it just never takes them.
  it.each(illegal.filter(([, to]) => to !== 'batched'))('%s → %s: 409 PAYOUT_ILLEGAL_TRANSITION, nothing changes', async (from, to) => {
    const p = await payoutIn(from);
    await expect(MOVES[to]!(p)).rejects.toMatchObject({ status: 409, code: 'PAYOUT_ILLEGAL_TRANSITION' });
    const {
      rows: [after],
    } = await s.db.query(`SELECT state, version FROM payouts WHERE id = $1`, [p.id]);
    expect(after).toEqual({ state: from, version: p.version });
  });

  it.each(PAYOUT_STATES.filter((state) => state !== 'approved'))('a batch never takes a payout that is %s', async (from) => {
    const p = await payoutIn(from);
    const taken = await s.dataSource.transaction((m) =>
      service.batchApproved(m, otherAccountant, batchId, { currency: 'GBP', methods: ['uk_bank', 'iban', 'paypal'], payoutIds: [p.id] }, 10),
    );
    expect(taken).toEqual({ count: 0, totalMinor: 0 });
    const {
      rows: [after],
    } = await s.db.query(`SELECT state, version FROM payouts WHERE id = $1`, [p.id]);
    expect(after).toEqual({ state: from, version: p.version });
  });

  it.each(PAYOUT_STATES.filter((state) => state !== 'offered'))('the contributor accepting a payout that is %s: 409', async (from) => {
    const p = await payoutIn(from);
    await expect(service.accept(tipId, p.id, { ...ukPayee(), method: 'uk_bank', confirmLicence: true })).rejects.toMatchObject({
      status: 409,
      code: 'PAYOUT_ILLEGAL_TRANSITION',
    });
  });

  it('approve from batched (a move only a voided batch makes): 409', async () => {
    const p = await payoutIn('batched');
    await expect(service.approve(otherAccountant, p.id, { version: p.version })).rejects.toMatchObject({ status: 409, code: 'PAYOUT_ILLEGAL_TRANSITION' });
  });
});
