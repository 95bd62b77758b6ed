/**
 * What the queue marks on a tip that changed since an editor last opened it. Only what someone
 * else did counts: the contributor replied, accepted an offer, or accounting paid or failed a payment.
 */
export const NEWS_KINDS = ['replied', 'offer_accepted', 'paid', 'payment_failed'] as const;
export type NewsKind = (typeof NEWS_KINDS)[number];

export const NEWS_LABELS: Record<NewsKind, string> = {
  replied: 'Replied',
  offer_accepted: 'Offer accepted',
  paid: 'Paid',
  payment_failed: 'Payment failed',
};

/**
 * News older than this is no longer marked (nor counted): after a month it is history, and the
 * bound keeps the counts on every desk page to the recent rows of two small partial indexes.
 */
export const NEWS_WINDOW_DAYS = 30;

export type NewsCounts = Record<NewsKind, number>;

export const isNewsKind = (value: unknown): value is NewsKind => (NEWS_KINDS as readonly unknown[]).includes(value);
