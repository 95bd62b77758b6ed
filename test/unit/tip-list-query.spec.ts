import { describe, expect, it } from '@jest/globals';
import { planTipList, SORT_MATCHES_BELOW, tipListQuery } from '../../src/desk/tip-list.query.js';

const staffId = '0f8fad5b-d9cb-469f-a165-70867728950e';
/** A stand-in for the database that answers EXPLAIN with the given row estimate. */
const plannerEstimating = (rows: number) => {
  const sent: string[] = [];
  const run = async (sql: string) => {
    sent.push(sql);
    return [{ 'QUERY PLAN': [{ Plan: { 'Plan Rows': rows } }] }];
  };
  return { run, sent };
};

describe('queue page SQL', () => {
  it('without a search: walks the index, no EXPLAIN first', async () => {
    const db = plannerEstimating(1);
    const query = await planTipList({ status: ['new'] }, staffId, db.run);
    expect(query.strategy).toBe('walk');
    expect(db.sent).toEqual([]);
  });

  it.each([
    [1, 'sort-matches'],
    [SORT_MATCHES_BELOW - 1, 'sort-matches'],
    [SORT_MATCHES_BELOW, 'walk'],
    [400_000, 'walk'],
  ])('a search the planner expects to match %d tips: %s', async (rows, strategy) => {
    const db = plannerEstimating(rows);
    const query = await planTipList({ q: 'ashbury' }, staffId, db.run);
    expect(query.strategy).toBe(strategy);
    expect(db.sent).toHaveLength(1);
    expect(db.sent[0]).toMatch(/^EXPLAIN \(FORMAT JSON\) SELECT 1 FROM tips t\s+WHERE/);
  });

  it('the search text only ever travels as a parameter', () => {
    const q = `'; DROP TABLE tips; -- %_\\`;
    const { sql, params } = tipListQuery({ q }, staffId, 'sort-matches');
    expect(sql).not.toContain('DROP');
    expect(params).toContain(q);
    expect(params).toContain('%\\%\\_\\\\%');
  });

  it('one statement per page: names and media counts are joined, not fetched per row', () => {
    const { sql } = tipListQuery({}, staffId);
    expect(sql.trim().startsWith('WITH page AS')).toBe(true);
    expect(sql).toContain('JOIN contributors');
    expect(sql).toContain('CROSS JOIN LATERAL');
  });

  it('asks for one row more than the page, to know whether another follows', () => {
    expect(tipListQuery({ limit: 10 }, staffId).fetch).toBe(11);
    expect(tipListQuery({}, staffId).fetch).toBe(51);
  });
});
