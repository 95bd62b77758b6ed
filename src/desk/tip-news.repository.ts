import { Injectable } from '@nestjs/common';
import { GenerateSql, SQL_ID, SQL_ID_2, SqlRepository } from '../database/generate-sql.js';
import { DataSource } from 'typeorm';
import { NEWS_KINDS, NEWS_WINDOW_DAYS, type NewsCounts, type NewsKind } from './tip-news.js';

/**
 * The news of every tip for one editor: each reply from the contributor and each payout move
 * (offer accepted, paid, payment failed) since the editor last opened the tip, within the news
 * window and not before their account existed. payouts and payout_events belong to the payouts
 * module: read-only joins here, because the payouts module must not import the desk (pages and
 * queue sit above both). `staff` is the placeholder of the editor's id.
 */
export const newsSql = (staff: string) => `
  WITH since AS (
    SELECT greatest(s.created_at, now() - make_interval(days => ${NEWS_WINDOW_DAYS})) AS at FROM staff_users s WHERE s.id = ${staff}
  ), events AS (
    SELECT m.tip_id, 'replied'::text AS kind, m.created_at AS at
      FROM messages m, since
     WHERE m.direction = 'from_contributor' AND m.created_at > since.at
    UNION ALL
    SELECT p.tip_id, CASE e.to_state WHEN 'accepted' THEN 'offer_accepted' WHEN 'paid' THEN 'paid' ELSE 'payment_failed' END, e.at
      FROM payout_events e JOIN payouts p ON p.id = e.payout_id, since
     WHERE e.to_state IN ('accepted', 'paid', 'failed') AND e.at > since.at
       AND (e.to_state <> 'accepted' OR e.from_state = 'offered')
  )
  SELECT ev.tip_id, ev.kind, max(ev.at) AS at
    FROM events ev
    LEFT JOIN desk_tip_views v ON v.staff_user_id = ${staff} AND v.tip_id = ev.tip_id
   WHERE v.seen_at IS NULL OR ev.at > v.seen_at
   GROUP BY ev.tip_id, ev.kind`;

/** The desk's record of who last looked at which tip, and the news since. */
@Injectable()
@SqlRepository(import.meta.url, {
  reads: {
    payouts: "queue news ('Offer accepted', 'Paid') is read from the payouts' states for each tip, in the queue's own statement",
    payout_events: 'when each payout moved, for the news mark',
    staff_users: 'staff names beside ids, in the same statement (staff_users is small and its names are public to staff)',
  },
})
export class TipNewsRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** The editor opened the tip now: its news so far is seen. */
  @GenerateSql({ params: [SQL_ID, SQL_ID_2] })
  async markSeen(staffId: string, tipId: string): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO desk_tip_views (staff_user_id, tip_id, seen_at) VALUES ($1, $2, now())
       ON CONFLICT (staff_user_id, tip_id) DO UPDATE SET seen_at = greatest(desk_tip_views.seen_at, EXCLUDED.seen_at)`,
      [staffId, tipId],
    );
  }

  @GenerateSql({ params: [SQL_ID] })
  async counts(staffId: string): Promise<NewsCounts> {
    const rows = await this.dataSource.query<{ kind: NewsKind; tips: number }[]>(
      `SELECT kind, count(*)::int AS tips FROM (${newsSql('$1')}) news GROUP BY kind`,
      [staffId],
    );
    const counts = Object.fromEntries(NEWS_KINDS.map((kind) => [kind, 0])) as NewsCounts;
    for (const row of rows) counts[row.kind] = row.tips;
    return counts;
  }

  /** Each of these tips' news kinds for the editor (tips without news are missing). */
  @GenerateSql({ params: [SQL_ID, [SQL_ID_2]] })
  async forTips(staffId: string, tipIds: readonly string[]): Promise<Map<string, NewsKind[]>> {
    if (tipIds.length === 0) return new Map();
    const rows = await this.dataSource.query<{ tip_id: string; kind: NewsKind }[]>(
      `SELECT tip_id, kind FROM (${newsSql('$1')}) news WHERE tip_id = ANY($2::uuid[]) ORDER BY at`,
      [staffId, [...tipIds]],
    );
    const news = new Map<string, NewsKind[]>();
    for (const row of rows) news.set(row.tip_id, [...(news.get(row.tip_id) ?? []), row.kind]);
    for (const kinds of news.values()) kinds.sort((a, b) => NEWS_KINDS.indexOf(a) - NEWS_KINDS.indexOf(b));
    return news;
  }
}
