import { describe, expect, it } from '@jest/globals';
import { AUDIT_ACTIONS, changeInWords, eventWords, payoutMoveLine } from '../../src/web/shared/event-words.js';
import { pageForRole, roleOpens } from '../../src/web/shared/staff-paths.js';

const names = new Map([
  ['s1', 'Priya Editor'],
  ['s2', 'Amir Accounts'],
]);
const at = '2026-12-07T13:50:00Z';

describe('event names in words (issue 11)', () => {
  it('every action the audit log offers has words, never a code', () => {
    for (const action of AUDIT_ACTIONS) expect(eventWords(action)).not.toMatch(/[._]/);
    expect(eventWords('contributor.signed_in')).toBe('The contributor opened their status page');
    expect(eventWords('something.new_here')).toBe('Something new here');
  });

  it('a change in words, ids by name, no JSON', () => {
    expect(changeInWords({ status: 'new' }, { status: 'in_review' }, names)).toBe('Status: New → In review');
    expect(changeInWords({ assigneeId: null }, { assigneeId: 's1' }, names)).toBe('Assignee: nobody → Priya Editor');
    expect(changeInWords(null, { paperName: 'The Bugle', privacyNotice: 'long text' }, names)).toBe('Paper name: The Bugle; Privacy notice: new text');
    expect(changeInWords(null, { logoSha256: 'ab'.repeat(32) }, names)).toBeUndefined();
  });

  it.each([
    [{ fromState: null, toState: 'offered', actorType: 'staff', actorId: 's1', reason: null }, 'Payment offered', '£250, exclusive licence', 'Priya Editor'],
    [
      { fromState: 'offered', toState: 'accepted', actorType: 'contributor', actorId: null, reason: 'licence terms confirmed' },
      'Offer accepted by the contributor',
      undefined,
      'The contributor',
    ],
    [{ fromState: 'accepted', toState: 'approved', actorType: 'staff', actorId: 's2', reason: null }, 'Payment approved', undefined, 'Amir Accounts'],
    [
      { fromState: 'approved', toState: 'batched', actorType: 'staff', actorId: 's2', reason: null, batchFormat: 'bacs-std18' },
      'Put in a payment batch for the bank',
      undefined,
      'Amir Accounts',
    ],
    [
      { fromState: 'approved', toState: 'batched', actorType: 'staff', actorId: 's2', reason: null, batchFormat: 'csv' },
      'Listed in a ledger export (for the accounts; no bank file)',
      undefined,
      'Amir Accounts',
    ],
    [
      { fromState: 'batched', toState: 'batched', actorType: 'staff', actorId: 's2', reason: 'batch TDB-1 sent to the bank' },
      'Batch sent to the bank',
      undefined,
      'Amir Accounts',
    ],
    [
      { fromState: 'batched', toState: 'paid', actorType: 'staff', actorId: 's2', reason: 'bank reference FP-1' },
      'Paid',
      'bank reference FP-1',
      'Amir Accounts',
    ],
    [{ fromState: 'batched', toState: 'failed', actorType: 'staff', actorId: 's2', reason: 'ARUCS 5' }, 'Payment failed', 'ARUCS 5', 'Amir Accounts'],
    [
      { fromState: 'offered', toState: 'cancelled', actorType: 'staff', actorId: 'gone', reason: 'Used another clip' },
      'Payment cancelled',
      'Used another clip',
      'a former colleague',
    ],
  ] as const)('payout move %j is "%s"', (move, summary, detail, actor) => {
    expect(payoutMoveLine({ ...move, at }, names, { amount: '£250', licence: 'Exclusive' })).toEqual({ summary, detail, actor, at });
  });
});

describe('each role’s own pages', () => {
  it.each([
    ['accounting', '/desk', false],
    ['accounting', '/accounts/batches', true],
    ['accounting', '/desk/account', true],
    ['editor', '/accounts', false],
    ['editor', '/desk/tips/x', true],
    ['editor', '/desk/admin/settings', false],
    ['admin', '/desk/admin/settings', true],
    ['admin', '/accounts', true],
  ] as const)('%s opens %s: %s', (role, path, opens) => {
    expect(roleOpens(role, path)).toBe(opens);
  });

  it('an accountant sent to a desk tip reads it on /accounts; anyone else goes home with a notice', () => {
    const id = '6f1c2a9e-1b2c-4d3e-8f90-0a1b2c3d4e5f';
    expect(pageForRole('accounting', `/desk/tips/${id}`)).toBe(`/accounts/tips/${id}`);
    expect(pageForRole('accounting', '/desk')).toBe('/accounts?notice=not-for-your-role');
    expect(pageForRole('editor', '/accounts')).toBe('/desk?notice=not-for-your-role');
  });
});
