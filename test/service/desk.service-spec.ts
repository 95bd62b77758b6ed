// The desk's rules, called on DeskService directly (no HTTP): the tip state machine, compare-and-set
// versions, who may be given a tip, duplicate links, and one audit event per changed aspect.
// The HTTP answers (status codes, bodies, validation of the request) stay in test/e2e/desk.e2e-spec.ts,
// one case per error code.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { DeskService } from '../../src/desk/desk.service.js';
import type { UpdateTipDto } from '../../src/desk/dto/update-tip.dto.js';
import type { StaffPrincipal } from '../../src/staff/access.js';
import type { StaffRole } from '../../src/staff/staff.entities.js';
import { StaffService } from '../../src/staff/staff.service.js';
import { seedTip } from '../support/seed-tips.js';
import { startServiceApp, type ServiceApp } from '../support/service-app.js';

let s: ServiceApp;
let desk: DeskService;
let editor: StaffPrincipal;
let colleague: StaffPrincipal;

async function staffMember(role: StaffRole, name: string): Promise<StaffPrincipal> {
  const user = await s.get(StaffService).create('system', {
    email: `${role}-${randomBytes(4).toString('hex')}@newsroom.test`,
    name,
    role,
    password: `pw-${randomBytes(9).toString('base64url')}`,
  });
  return { id: user.id, email: user.email, name: user.name, role: user.role, totpEnabled: false };
}

beforeAll(async () => {
  s = await startServiceApp();
  desk = s.get(DeskService);
  editor = await staffMember('editor', 'Esther Editor');
  colleague = await staffMember('editor', 'Colin Colleague');
});
afterAll(() => s?.close());

const row = async (id: string) =>
  (await s.db.query('SELECT status, assignee_id, tags, priority, duplicate_of_id, version FROM tips WHERE id = $1', [id])).rows[0];
const auditOf = async (tipId: string, action?: string) =>
  (
    await s.db.query(
      `SELECT action, actor_id, before, after FROM audit_events WHERE entity_type = 'tip' AND entity_id = $1 ${action ? 'AND action = $2' : ''} ORDER BY at, id`,
      action ? [tipId, action] : [tipId],
    )
  ).rows;
/** The domain error DeskService.update throws, as the filter would see it. */
const refusal = async (work: Promise<unknown>) => {
  const error = await work.then(
    () => undefined,
    (e: unknown) => e as { code?: string; status?: number; details?: Record<string, unknown>; fields?: Record<string, string[]>; message: string },
  );
  if (!error) throw new Error('expected the desk to refuse');
  return error;
};

describe('DeskService.update: the tip state machine', () => {
  let tipId: string;
  beforeEach(async () => {
    tipId = await seedTip(s, { story: 'A tip to work on' });
  });
  const update = (changes: Omit<UpdateTipDto, 'id'>, id = tipId) => desk.update(editor, id, changes as UpdateTipDto);

  it('walks the whole happy path new → in_review → verified → used → archived', async () => {
    let version = 1;
    for (const status of ['in_review', 'verified', 'used', 'archived']) version = (await update({ status, version })).version;
    expect(await row(tipId)).toMatchObject({ status: 'archived', version: 5 });
  });

  it('a version from the future: TIP_STALE_VERSION too, carrying the current tip', async () => {
    const error = await refusal(update({ priority: 1, version: 7 }));
    expect(error.code).toBe('TIP_STALE_VERSION');
    expect((error.details as { current: { version: number } }).current.version).toBe(1);
  });

  it.each([
    ['a different case', 'In_Review'],
    ['an empty string', ''],
    ['spaces around a status', ' verified '],
  ])('an unknown status (%s): TIP_UNKNOWN_STATUS, nothing changed', async (_name, status) => {
    const error = await refusal(update({ status, version: 1 }));
    expect(error.code).toBe('TIP_UNKNOWN_STATUS');
    expect(error.details).toMatchObject({ from: 'new', to: status });
    expect(await row(tipId)).toMatchObject({ status: 'new', version: 1 });
  });

  it('an unknown status on a stale version: TIP_STALE_VERSION with the current tip (the version is checked first)', async () => {
    const error = await refusal(update({ status: 'published', version: 7 }));
    expect(error.code).toBe('TIP_STALE_VERSION');
    expect((error.details as { current: unknown }).current).toMatchObject({ id: tipId, status: 'new', version: 1 });
  });

  it('an illegal transition (used → in_review): TIP_ILLEGAL_TRANSITION', async () => {
    const used = await seedTip(s, { status: 'used' });
    const error = await refusal(update({ status: 'in_review', version: 1 }, used));
    expect(error.code).toBe('TIP_ILLEGAL_TRANSITION');
    expect(error.details).toMatchObject({ from: 'used', to: 'in_review' });
  });

  it.each(['rejected', 'spam', 'archived'])('reopen: %s → in_review', async (status) => {
    const closed = await seedTip(s, { status });
    expect((await update({ status: 'in_review', version: 1 }, closed)).status).toBe('in_review');
  });

  it('the same status again changes nothing (no new version, no event)', async () => {
    expect((await update({ status: 'new', version: 1 })).version).toBe(1);
    expect(await auditOf(tipId)).toEqual([]);
  });

  it('a change that fails halfway writes nothing (illegal status with a valid priority)', async () => {
    expect((await refusal(update({ priority: 2, status: 'used', version: 1 }))).code).toBe('TIP_ILLEGAL_TRANSITION');
    expect(await row(tipId)).toMatchObject({ priority: 0, version: 1 });
    expect(await auditOf(tipId)).toEqual([]);
  });

  it('several changes at once: one event per changed aspect, one version bump', async () => {
    expect((await update({ status: 'in_review', assigneeId: editor.id, tags: ['crime'], priority: 1, version: 1 })).version).toBe(2);
    expect((await auditOf(tipId)).map((e) => e.action).sort()).toEqual(['tip.assigned', 'tip.priority_changed', 'tip.status_changed', 'tip.tags_changed']);
  });
});

describe('DeskService.update: who may be given a tip', () => {
  let tipId: string;
  beforeEach(async () => {
    tipId = await seedTip(s, { story: 'A tip to hand out' });
  });

  it('assigns and unassigns, each a tip.assigned event', async () => {
    const assigned = await desk.update(editor, tipId, { assigneeId: colleague.id, version: 1 } as UpdateTipDto);
    expect(assigned.assignee).toEqual({ id: colleague.id, name: 'Colin Colleague' });
    const unassigned = await desk.update(editor, tipId, { assigneeId: null, version: 2 } as UpdateTipDto);
    expect(unassigned.assignee).toBeNull();
    expect(await auditOf(tipId, 'tip.assigned')).toEqual([
      expect.objectContaining({ before: { assigneeId: null }, after: { assigneeId: colleague.id } }),
      expect.objectContaining({ before: { assigneeId: colleague.id }, after: { assigneeId: null } }),
    ]);
  });

  it('an accounting user: ASSIGNEE_NOT_ASSIGNABLE (400), nothing changed', async () => {
    const accountant = await staffMember('accounting', 'Ada Accounts');
    const error = await refusal(desk.update(editor, tipId, { assigneeId: accountant.id, version: 1 } as UpdateTipDto));
    expect(error).toMatchObject({ code: 'ASSIGNEE_NOT_ASSIGNABLE', status: 400 });
    expect(await row(tipId)).toMatchObject({ assignee_id: null, version: 1 });
  });
});

describe('DeskService.update: duplicate links', () => {
  const markDuplicate = (id: string, duplicateOfId: string | null, version = 1) => desk.update(editor, id, { duplicateOfId, version } as UpdateTipDto);

  it('a chain is fine (A → B → C), and so are two tips repeating one original', async () => {
    const [a, b, c, d] = [await seedTip(s), await seedTip(s), await seedTip(s), await seedTip(s)];
    expect((await markDuplicate(a, b)).duplicateOfId).toBe(b);
    expect((await markDuplicate(b, c)).duplicateOfId).toBe(c);
    expect((await markDuplicate(d, c)).duplicateOfId).toBe(c);
  });

  it('two tips naming each other (A → B, then B → A): TIP_DUPLICATE_CYCLE (409), nothing changed', async () => {
    const [a, b] = [await seedTip(s), await seedTip(s)];
    await markDuplicate(a, b);
    expect(await refusal(markDuplicate(b, a))).toMatchObject({ code: 'TIP_DUPLICATE_CYCLE', status: 409 });
    expect(await row(b)).toMatchObject({ duplicate_of_id: null, version: 1 });
  });

  it('itself: DUPLICATE_OF_ITSELF (400), naming duplicateOfId', async () => {
    const a = await seedTip(s);
    expect(await refusal(markDuplicate(a, a))).toMatchObject({ code: 'DUPLICATE_OF_ITSELF', status: 400, fields: { duplicateOfId: expect.any(Array) } });
  });

  it('clearing the link is always allowed, even back from a chain', async () => {
    const [a, b] = [await seedTip(s), await seedTip(s)];
    await markDuplicate(a, b);
    expect((await markDuplicate(a, null, 2)).duplicateOf).toBeNull();
  });
});

describe('DeskService.claimNext: the claim rules', () => {
  beforeEach(async () => {
    await s.db.query('DELETE FROM tips');
    await s.db.query('DELETE FROM contributors');
  });

  it('claims the oldest unclaimed new tip: in_review, assigned to the caller, version + 1, audited; the next caller gets the next one', async () => {
    await seedTip(s, { status: 'in_review', createdAt: '2026-01-01T00:00:00Z' });
    await seedTip(s, { status: 'new', assigneeId: colleague.id, createdAt: '2026-01-01T00:01:00Z' });
    const oldest = await seedTip(s, { status: 'new', createdAt: '2026-01-01T00:02:00Z' });
    const younger = await seedTip(s, { status: 'new', createdAt: '2026-01-01T00:03:00Z' });

    const claimed = await desk.claimNext(editor);
    expect(claimed).toMatchObject({ id: oldest, status: 'in_review', assignee: { id: editor.id, name: 'Esther Editor' }, version: 2 });
    expect(claimed.history.map((e) => e.action)).toEqual(['tip.claimed']);
    expect(await auditOf(oldest, 'tip.claimed')).toEqual([
      { action: 'tip.claimed', actor_id: editor.id, before: { status: 'new', assigneeId: null }, after: { status: 'in_review', assigneeId: editor.id } },
    ]);
    expect(await desk.claimNext(colleague)).toMatchObject({ id: younger, assignee: { id: colleague.id } });
  });

  it('nothing new and unclaimed: QUEUE_EMPTY (404)', async () => {
    await seedTip(s, { status: 'in_review' });
    expect(await refusal(desk.claimNext(editor))).toMatchObject({ code: 'QUEUE_EMPTY', status: 404 });
  });
});
