import type { SignedInStaff } from './staff.js';

/**
 * The codes of a payout's open risks, as an approver reads them off `GET /api/payouts/:id` before
 * acknowledging them (issue 12). Tests that are about something else (a batch, a reissue) approve
 * with these, so a shared test account (PAYEE_SHARED) does not get in their way.
 */
export async function openRiskCodes(reader: SignedInStaff, payoutId: string): Promise<string[]> {
  const res = await reader.get(`/api/payouts/${payoutId}`);
  if (res.status !== 200) return [];
  return (res.body.risks as { code: string; cleared: unknown }[]).filter((risk) => !risk.cleared).map((risk) => risk.code);
}
