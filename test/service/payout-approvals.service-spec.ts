// Tiered approval over PAYOUT_SECOND_APPROVAL_MINOR on the service tier (moved from
// test/e2e/payout-risks.e2e-spec.ts, which keeps one request per error code).
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { PayeeDetailsDto, PayoutDetailDto } from '../../src/payouts/dto/payouts.dto.js';
import { PayoutsService } from '../../src/payouts/payouts.service.js';
import type { StaffPrincipal } from '../../src/staff/access.js';
import { GBP_OFFER, serviceAcceptedPayout, serviceStaff } from '../support/fixtures.js';
import { startServiceApp, type ServiceApp } from '../support/service-app.js';

let s: ServiceApp;
let service: PayoutsService;
let editor: StaffPrincipal;
let accountant: StaffPrincipal;
let otherAccountant: StaffPrincipal;
let admin: StaffPrincipal;

beforeAll(async () => {
  s = await startServiceApp({ PAYOUT_SECOND_APPROVAL_MINOR: 'GBP:100000,EUR:150000', PAYEE_COOLING_HOURS: '24' });
  service = s.get(PayoutsService);
  editor = await serviceStaff(s, 'editor');
  accountant = await serviceStaff(s, 'accounting');
  otherAccountant = await serviceStaff(s, 'accounting');
  admin = await serviceStaff(s, 'admin');
});
afterAll(() => s?.close());

const codes = (p: PayoutDetailDto) => p.risks.map((r) => r.code);

describe('tiered approval over PAYOUT_SECOND_APPROVAL_MINOR', () => {
  let p: PayoutDetailDto;

  beforeAll(async () => {
    const accepted = await serviceAcceptedPayout(s, admin, { offer: { ...GBP_OFFER, amountMinor: 100_000 } });
    p = await service.get(accepted.id);
  });

  it('at the limit the payout carries AMOUNT_OVER_LIMIT (per currency: €1,000 in EUR does not)', async () => {
    expect(codes(p)).toEqual(['AMOUNT_OVER_LIMIT']);
    const eur = await serviceAcceptedPayout(s, editor, { offer: { amountMinor: 100_000, currency: 'EUR', licence: 'exclusive' } });
    expect(codes(await service.get(eur.id))).toEqual([]);
  });

  it('the offerer (an admin) approves: 403 PAYOUT_OWN_OFFER', async () => {
    await expect(service.approve(admin, p.id, { version: p.version, acknowledgeRisks: ['AMOUNT_OVER_LIMIT'] })).rejects.toMatchObject({
      status: 403,
      code: 'PAYOUT_OWN_OFFER',
    });
  });

  it('the first approval leaves it accepted with one approval, recorded in its events', async () => {
    const first = await service.approve(accountant, p.id, { version: p.version, acknowledgeRisks: ['AMOUNT_OVER_LIMIT'] });
    expect(first).toMatchObject({ state: 'accepted', firstApprovedBy: accountant.id, approvedBy: null });
    expect(first.events.at(-1)).toMatchObject({
      fromState: 'accepted',
      toState: 'accepted',
      actorId: accountant.id,
      detail: { firstApproval: true, acknowledgedRisks: ['AMOUNT_OVER_LIMIT'] },
    });
    p = first;
  });

  it('the same person again: 409 PAYOUT_ALREADY_APPROVED_BY_YOU, still accepted', async () => {
    await expect(service.approve(accountant, p.id, { version: p.version, acknowledgeRisks: ['AMOUNT_OVER_LIMIT'] })).rejects.toMatchObject({
      status: 409,
      code: 'PAYOUT_ALREADY_APPROVED_BY_YOU',
    });
    expect((await service.get(p.id)).state).toBe('accepted');
  });

  it('a second accountant: approved, the event naming both approvers', async () => {
    const second = await service.approve(otherAccountant, p.id, { version: p.version, acknowledgeRisks: ['AMOUNT_OVER_LIMIT'] });
    expect(second).toMatchObject({ state: 'approved', approvedBy: otherAccountant.id, firstApprovedBy: accountant.id });
    expect(second.events.at(-1)!.detail).toMatchObject({ secondApproval: true, firstApprovedBy: accountant.id });
  });

  it('a payee change between the two approvals undoes the first', async () => {
    const q = await serviceAcceptedPayout(s, editor, { offer: { ...GBP_OFFER, amountMinor: 150_000 } });
    const first = await service.approve(accountant, q.id, { version: q.version, acknowledgeRisks: ['AMOUNT_OVER_LIMIT'] });
    expect(first.firstApprovedBy).toBe(accountant.id);
    await service.changePayee(q.tipId, { method: 'uk_bank', accountName: 'Robin Payee', sortCode: '20-00-00', accountNumber: '87654321' } as PayeeDetailsDto);
    const now = await service.get(q.id);
    expect(now).toMatchObject({ state: 'accepted', firstApprovedBy: null });
    expect(codes(now)).toEqual(expect.arrayContaining(['AMOUNT_OVER_LIMIT', 'PAYEE_CHANGED_RECENTLY']));
  });
});
