// The desk pages' addresses: where sign-in may send someone back to, and how the queue's
// filters and pages travel in the address bar.
import { describe, expect, it } from '@jest/globals';
import { parseQueueAddress, queueHref } from '../../src/web/desk/desk-addresses.js';
import { keysetPager } from '../../src/web/shared/keyset-pager.js';
import { timeAgo } from '../../src/web/shared/dates.js';
import { localDeskPath } from '../../src/web/shared/staff-paths.js';
import { formatDuration } from '../../src/web/shared/labels.js';
import { historyLine, auditChange } from '../../src/web/shared/event-words.js';
import { formatBytes } from '../../src/text/format-bytes.js';

describe('localDeskPath (the next= after sign-in)', () => {
  it.each([
    ['/desk', '/desk'],
    ['/desk/tips/3f2a?x=1', '/desk/tips/3f2a?x=1'],
    ['/desk?status=all&sort=oldest', '/desk?status=all&sort=oldest'],
    ['/desk/account#two-factor', '/desk/account'],
  ])('keeps %s', (input, expected) => {
    expect(localDeskPath(input)).toBe(expected);
  });

  it.each([
    ['an absolute URL', 'https://evil.example/desk'],
    ['a protocol-relative URL', '//evil.example/desk'],
    ['a backslash', '/\\evil.example/desk'],
    ['a path outside the desk', '/api/tips'],
    ['a look-alike prefix', '/desktop'],
    ['a dot-dot escape', '/desk/../api/staff'],
    ['an encoded dot-dot escape', '/desk/%2e%2e/api/staff'],
    ['the sign-in page', '/desk/login?next=/desk'],
    ['the setup page', '/desk/setup?token=x'],
    ['a control character', '/desk/\ttips'],
    ['a javascript: URL', 'javascript:alert(1)'],
    ['an empty string', ''],
    ['a very long path', `/desk/${'a'.repeat(1001)}`],
    ['not a string', ['/desk']],
  ])('drops %s', (_name, input) => {
    expect(localDeskPath(input)).toBeUndefined();
  });
});

describe('the queue address', () => {
  it('defaults to open tips, newest first, one page of 25', () => {
    const address = parseQueueAddress({});
    expect(address.form.status).toBe('open');
    expect(address.filters).toEqual({ sort: 'newest', limit: 25, status: ['new', 'in_review', 'verified'] });
    expect(queueHref(address.form)).toBe('/desk');
  });

  it('turns the form into DeskService filters ("all" means no status filter) and back into the same address', () => {
    const address = parseQueueAddress({
      q: ' flood ',
      status: 'all',
      channel: 'whatsapp',
      assignee: 'me',
      hasMedia: 'true',
      tag: 'video',
      from: '2026-05-01',
      to: '2026-05-31',
      sort: 'oldest',
    });
    expect(address.filters).toEqual({
      q: 'flood',
      channel: 'whatsapp',
      assignee: 'me',
      hasMedia: 'true',
      tag: 'video',
      from: '2026-05-01',
      to: '2026-05-31',
      sort: 'oldest',
      limit: 25,
    });
    expect(parseQueueAddress(Object.fromEntries(new URL(queueHref(address.form), 'http://x').searchParams)).form).toEqual(address.form);
  });

  it('takes the first of repeated values and ignores anything that is not a string', () => {
    expect(parseQueueAddress({ q: ['a', 'b'], channel: { $ne: 1 } }).form).toMatchObject({ q: 'a', channel: '' });
  });

  it('drops a cursor that cannot be one', () => {
    expect(parseQueueAddress({ cursor: 'not a cursor!' }).cursor).toBeUndefined();
    expect(parseQueueAddress({ cursor: 'abc_DEF-1', back: 'one.two.bad cursor!.three' })).toMatchObject({ cursor: 'abc_DEF-1', back: ['one', 'two', 'three'] });
  });
});

describe('keyset paging links', () => {
  const href = (page: { cursor?: string; back: string[] }) => `${page.cursor ?? '-'}|${page.back.join('.')}`;

  it('from the first page: a next link, no previous', () => {
    expect(keysetPager({ back: [] }, 'c2', href)).toEqual({ nextHref: 'c2|', previousHref: undefined });
  });

  it('from a middle page: next remembers this page; previous goes back one', () => {
    expect(keysetPager({ cursor: 'c3', back: ['c2'] }, 'c4', href)).toEqual({ nextHref: 'c4|c2.c3', previousHref: 'c2|' });
  });

  it('from the second page, previous is the first page; on the last page there is no next', () => {
    expect(keysetPager({ cursor: 'c2', back: [] }, null, href)).toEqual({ nextHref: undefined, previousHref: '-|' });
  });
});

describe('labels', () => {
  const now = new Date('2026-05-10T12:00:00Z');
  it.each([
    ['2026-05-10T11:59:30Z', 'just now'],
    ['2026-05-10T11:55:00Z', '5 min ago'],
    ['2026-05-10T09:00:00Z', '3 h ago'],
    ['2026-05-08T11:00:00Z', '2 d ago'],
    ['2026-05-09T00:00:00Z', '36 h ago'],
    ['2026-01-01T00:00:00Z', '1 Jan 2026'],
    ['2026-05-10T12:05:00Z', 'in the future'],
  ])('timeAgo(%s) is "%s"', (at, expected) => {
    expect(timeAgo(new Date(at), now)).toBe(expected);
  });

  it('formats sizes and durations', () => {
    expect([formatBytes(500), formatBytes(6_000), formatBytes(3.5 * 1024 ** 3)]).toEqual(['500 B', '5.9 KB', '3.5 GB']);
    expect([formatDuration(1.02), formatDuration(3725), formatDuration('x'), formatDuration(undefined)]).toEqual(['0:01', '1:02:05', undefined, undefined]);
  });

  it('describes a history event with names, labels and what changed', () => {
    const names = new Map([['u1', 'Bea Baker']]);
    const line = historyLine(
      {
        action: 'tip.claimed',
        actorType: 'staff',
        actorId: 'u2',
        actorName: 'Eddie',
        before: { status: 'new', assigneeId: null },
        after: { status: 'in_review', assigneeId: 'u1' },
        at: '2026-05-10T12:00:00Z',
      },
      names,
    );
    expect(line).toMatchObject({ summary: 'Claimed', detail: 'New → In review; nobody → Bea Baker', actor: 'Eddie' });
    expect(
      historyLine(
        { action: 'tip.created', actorType: 'contributor', actorId: null, actorName: null, before: null, after: { reference: 'TD-1' }, at: '' },
        names,
      ),
    ).toMatchObject({ summary: 'Tip received', detail: undefined, actor: 'The contributor' });
  });

  it('cuts a long audit change short', () => {
    expect(auditChange({ a: 1 }, { a: 2 })).toBe('{"a":1} → {"a":2}');
    expect(auditChange(null, null)).toBeUndefined();
    expect(auditChange(null, { text: 'x'.repeat(1000) })!.length).toBe(400);
  });
});
