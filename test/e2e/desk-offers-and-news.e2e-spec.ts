// Issue 11 over plain HTTP: the tip page's "Make an offer" form and Payments panel (each move in
// words, in the panel and the tip's history), cancel where allowed, and the queue's news since an
// editor last looked ("Replied", "Offer accepted", "Paid", "Payment failed") with filters and counts.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { CSRF_HEADER } from '../../src/staff/access.guard.js';
import { contributorWithTip } from '../support/fixtures.js';
import { signedInStaff, type SignedInStaff } from '../support/staff.js';
import { openRiskCodes } from '../support/payout-risks.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const UK = { confirmLicence: true, method: 'uk_bank', accountName: 'Jo Bloggs', sortCode: '60-16-13', accountNumber: '31926819' };
const PAYER_ENV = { PAYER_SORT_CODE: '200000', PAYER_ACCOUNT_NUMBER: '55779911' };

let t: TestApp;
let editor: SignedInStaff;
let otherEditor: SignedInStaff;
let accountant: SignedInStaff;

beforeAll(async () => {
  t = await startTestApp(PAYER_ENV);
  editor = await signedInStaff(t, 'editor', { name: 'Priya Editor' });
  otherEditor = await signedInStaff(t, 'editor', { name: 'Omar Editor' });
  accountant = await signedInStaff(t, 'accounting', { name: 'Amir Accounts' });
});
afterAll(async () => {
  await t?.close();
});

/** A tip and its contributor, signed in; an exclusive licence unless said otherwise. */
const postTip = (story = 'A lorry has shed its load on the ring road', licence: 'exclusive' | 'non_exclusive' = 'exclusive') =>
  contributorWithTip(t, { story, licence });

const form = (who: SignedInStaff, path: string, fields: Record<string, string | number>) =>
  request(t.url)
    .post(path)
    .set('Cookie', who.cookie)
    .type('form')
    .send({ _csrf: who.csrfToken, ...fields });
const payoutsOf = async (tipId: string) =>
  (
    await t.db.query(
      'SELECT id, amount_minor, currency, licence, legal_witness, legal_crime, state, version, offered_by FROM payouts WHERE tip_id = $1 ORDER BY created_at',
      [tipId],
    )
  ).rows;
const offerForm = (fields: Record<string, string> = {}) => ({ amount: '£250.50', currency: 'GBP', licence: 'exclusive', ...fields });

describe('“Make an offer” on the tip page', () => {
  it('the tip page has the form: amount as typed, currency, licence (the consent’s chosen) and the Editors’ Code questions in plain words', async () => {
    const tip = await postTip();
    const page = await editor.get(`/desk/tips/${tip.id}`).expect(200);
    expect(page.text).toContain('id="offer-form"');
    expect(page.text).toContain(`action="/desk/tips/${tip.id}/payouts#payments"`);
    expect(page.text).toMatch(/<option value="GBP" selected>Pounds \(£\)<\/option>/);
    expect(page.text).toMatch(/name="licence" value="exclusive" checked/);
    expect(page.text).toContain('Clause 15, witnesses:');
    expect(page.text).toContain('Clause 16, payment to criminals:');
    expect(page.text).toContain('No payment offered yet.');
  });

  it('“£250.50”, exclusive, clause 15 ticked: 303 to the Payments panel; the payout is 25050 pence, flagged, by this editor; panel and history say it in words', async () => {
    const tip = await postTip();
    const res = await form(editor, `/desk/tips/${tip.id}/payouts`, offerForm({ witness: 'true' }));
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe(`/desk/tips/${tip.id}?notice=offer-made#payments`);
    const [payout] = await payoutsOf(tip.id);
    expect(payout).toMatchObject({
      amount_minor: '25050',
      currency: 'GBP',
      licence: 'exclusive',
      legal_witness: true,
      legal_crime: false,
      state: 'offered',
      offered_by: editor.user.id,
    });
    const page = await editor.get(`/desk/tips/${tip.id}?notice=offer-made`).expect(200);
    expect(page.text).toContain('Offer made.');
    const panel = page.text.slice(page.text.indexOf('id="payments"'), page.text.indexOf('id="make-offer"'));
    expect(panel).toContain('£250.50');
    expect(panel).toContain('Offered: waiting for the contributor');
    expect(panel).toContain('Editors’ Code cl. 15 (witness)');
    expect(panel).toContain('Payment offered</strong> — £250.50, exclusive licence');
    expect(panel).toContain('Priya Editor');
    const history = page.text.slice(page.text.indexOf('id="history"'));
    expect(history).toContain('Payment offered (£250.50)');
    expect(history).not.toMatch(/payout\.offered|contributor\.signed_in/);
  });

  it.each([
    ['nothing', '', 'Type the amount in pounds'],
    ['words', 'two hundred', 'Type the amount in pounds'],
    ['three decimals', '250.555', 'Type the amount in pounds'],
    ['zero', '0', 'Type the amount in pounds'],
    ['over ten million', '10,000,001', 'Type the amount in pounds'],
  ])('an amount of %s: 400 with the reason by the field, what was typed kept, no payout', async (_what, amount, words) => {
    const tip = await postTip();
    const res = await form(editor, `/desk/tips/${tip.id}/payouts`, offerForm({ amount }));
    expect(res.status).toBe(400);
    expect(res.text).toContain(words);
    expect(res.text).toContain('id="offer-amount-error"');
    expect(res.text).toContain('<details class="offer-box" id="make-offer" open');
    if (amount) expect(res.text).toContain(`value="${amount}"`);
    expect(await payoutsOf(tip.id)).toEqual([]);
  });

  it('a currency or licence that does not exist: 400 by the field, no payout', async () => {
    const tip = await postTip();
    const res = await form(editor, `/desk/tips/${tip.id}/payouts`, offerForm({ currency: 'BTC', licence: 'forever' }));
    expect(res.status).toBe(400);
    expect(res.text).toContain('currency must be one of GBP, EUR, USD');
    expect(res.text).toContain('licence must be one of');
    expect(await payoutsOf(tip.id)).toEqual([]);
  });

  it('an offer without the CSRF token: 403, no payout; an accountant cannot make one: 403', async () => {
    const tip = await postTip();
    expect((await request(t.url).post(`/desk/tips/${tip.id}/payouts`).set('Cookie', editor.cookie).type('form').send(offerForm())).status).toBe(403);
    expect((await form(accountant, `/desk/tips/${tip.id}/payouts`, offerForm())).status).toBe(403);
    expect(await payoutsOf(tip.id)).toEqual([]);
  });

  it('the panel follows the payout to "Paid": accepted, approved, batched, sent, paid, each in words with who and when', async () => {
    const tip = await postTip();
    await form(editor, `/desk/tips/${tip.id}/payouts`, offerForm({ amount: '250' })).expect(303);
    const [offered] = await payoutsOf(tip.id);
    await request(t.url).post(`/api/contributor/payouts/${offered.id}/accept`).set('Cookie', tip.cookie).set(CSRF_HEADER, tip.csrfToken).send(UK).expect(200);
    const version = async () => (await accountant.get(`/api/payouts/${offered.id}`).expect(200)).body.version as number;
    await accountant
      .post(`/api/payouts/${offered.id}/approve`)
      .send({ version: await version(), acknowledgeRisks: await openRiskCodes(accountant, offered.id) })
      .expect(200);
    const batch = (await accountant.post('/api/payout-batches').send({ format: 'bankline-csv' }).expect(201)).body;
    await accountant.post(`/api/payout-batches/${batch.id}/sent`).send({}).expect(200);
    await accountant
      .post(`/api/payouts/${offered.id}/mark-paid`)
      .send({ version: await version(), reference: 'FP-20261207-1' })
      .expect(200);
    const page = await editor.get(`/desk/tips/${tip.id}`).expect(200);
    const panel = page.text.slice(page.text.indexOf('id="payments"'), page.text.indexOf('id="make-offer"'));
    const moves = [...panel.matchAll(/<li><strong>([^<]+)<\/strong>/g)].map((m) => m[1]);
    expect(moves).toEqual([
      'Payment offered',
      'Offer accepted by the contributor',
      'Payment approved',
      'Put in a payment batch for the bank',
      'Batch sent to the bank',
      'Paid',
    ]);
    expect(panel).toContain('>Paid</p>');
    expect(panel).toContain('bank reference FP-20261207-1');
    expect(panel).toContain('Amir Accounts');
    expect(panel).toContain('The contributor');
    expect(panel).not.toContain('Cancel this offer');
  });

  it('an editor cancels their own offer with a reason; another editor’s cancel is refused on the page (403), the offer stands', async () => {
    const tip = await postTip();
    await form(editor, `/desk/tips/${tip.id}/payouts`, offerForm()).expect(303);
    const [offered] = await payoutsOf(tip.id);
    const otherPage = await otherEditor.get(`/desk/tips/${tip.id}`).expect(200);
    expect(otherPage.text).not.toContain(`/payouts/${offered.id}/cancel`);
    const refused = await form(otherEditor, `/desk/tips/${tip.id}/payouts/${offered.id}/cancel`, { version: offered.version, reason: 'Not ours' });
    expect(refused.status).toBe(403);
    expect(refused.text).toContain('Editors can cancel only the offers they made');
    expect((await payoutsOf(tip.id))[0].state).toBe('offered');
    const noReason = await form(editor, `/desk/tips/${tip.id}/payouts/${offered.id}/cancel`, { version: offered.version, reason: '' });
    expect(noReason.status).toBe(400);
    const cancelled = await form(editor, `/desk/tips/${tip.id}/payouts/${offered.id}/cancel`, { version: offered.version, reason: 'We used another clip' });
    expect(cancelled.status).toBe(303);
    expect((await payoutsOf(tip.id))[0].state).toBe('cancelled');
    const page = await editor.get(`/desk/tips/${tip.id}`).expect(200);
    expect(page.text).toContain('Payment cancelled</strong> — We used another clip');
  });

  it('a cancel naming a payout of another tip: 404, nothing changes', async () => {
    const mine = await postTip();
    const other = await postTip();
    await form(editor, `/desk/tips/${other.id}/payouts`, offerForm()).expect(303);
    const [theirs] = await payoutsOf(other.id);
    expect((await form(editor, `/desk/tips/${mine.id}/payouts/${theirs.id}/cancel`, { version: theirs.version, reason: 'x' })).status).toBe(404);
    expect((await payoutsOf(other.id))[0].state).toBe('offered');
  });
});

describe('the queue marks news since an editor last looked', () => {
  const row = (html: string, reference: string) => {
    const at = html.indexOf(`>${reference}</a>`);
    return at < 0 ? '' : html.slice(at, html.indexOf('</li>', at));
  };

  it('a reply marks the tip "Replied" for every editor, counted in the nav and filterable; opening the tip clears it for that editor only', async () => {
    const tip = await postTip('Burst water main outside the school');
    await editor.get(`/desk/tips/${tip.id}`).expect(200);
    await otherEditor.get(`/desk/tips/${tip.id}`).expect(200);
    expect(row((await editor.get('/desk').expect(200)).text, tip.reference)).not.toContain('data-news');

    await request(t.url)
      .post('/api/contributor/messages')
      .set('Cookie', tip.cookie)
      .set(CSRF_HEADER, tip.csrfToken)
      .send({ body: 'It is still leaking.' })
      .expect(201);
    const queue = (await editor.get('/desk').expect(200)).text;
    expect(row(queue, tip.reference)).toContain('data-news="replied">Replied</span>');
    expect(queue).toMatch(/href="\/desk\?news(=|&#x3D;)replied" class="news news-replied" data-news="replied">Replied <span class="count">\d+<\/span>/);

    const filtered = (await editor.get('/desk?news=replied').expect(200)).text;
    expect(filtered).toContain('Showing tips marked “Replied”');
    expect(row(filtered, tip.reference)).toContain('Replied');
    const api = (await editor.get('/api/tips?news=replied').expect(200)).body.items as { reference: string; news: string[] }[];
    expect(api.find((i) => i.reference === tip.reference)?.news).toEqual(['replied']);
    expect(api.every((i) => i.news.includes('replied'))).toBe(true);

    await editor.get(`/desk/tips/${tip.id}`).expect(200);
    expect(row((await editor.get('/desk').expect(200)).text, tip.reference)).not.toContain('data-news');
    expect((await editor.get('/api/tips?news=replied').expect(200)).body.items.map((i: { reference: string }) => i.reference)).not.toContain(tip.reference);
    // The other editor has not looked since.
    expect(row((await otherEditor.get('/desk').expect(200)).text, tip.reference)).toContain('Replied');
  });

  it('an accepted offer, a payment paid and one failed are marked "Offer accepted", "Paid" and "Payment failed"', async () => {
    const accepted = await postTip('Flooded underpass');
    const paid = await postTip('Fire at the market');
    const failed = await postTip('Crash on the bypass');
    const ids: Record<string, string> = {};
    for (const tip of [accepted, paid, failed]) {
      await form(editor, `/desk/tips/${tip.id}/payouts`, offerForm({ amount: '100' })).expect(303);
      const [p] = await payoutsOf(tip.id);
      ids[tip.reference] = p.id;
      await request(t.url).post(`/api/contributor/payouts/${p.id}/accept`).set('Cookie', tip.cookie).set(CSRF_HEADER, tip.csrfToken).send(UK).expect(200);
    }
    for (const tip of [paid, failed]) {
      await editor.get(`/desk/tips/${tip.id}`).expect(200); // seen the acceptance: only the payment's news is left
      const id = ids[tip.reference];
      const version = async () => (await accountant.get(`/api/payouts/${id}`).expect(200)).body.version as number;
      await accountant
        .post(`/api/payouts/${id}/approve`)
        .send({ version: await version(), acknowledgeRisks: await openRiskCodes(accountant, id) })
        .expect(200);
    }
    const batch = (await accountant.post('/api/payout-batches').send({ format: 'bankline-csv' }).expect(201)).body;
    await accountant.post(`/api/payout-batches/${batch.id}/sent`).send({}).expect(200);
    const settle = async (id: string, how: 'mark-paid' | 'mark-failed') => {
      const version = (await accountant.get(`/api/payouts/${id}`).expect(200)).body.version;
      await accountant
        .post(`/api/payouts/${id}/${how}`)
        .send(how === 'mark-paid' ? { version, reference: 'FP-1' } : { version, reason: 'ARUCS 5' })
        .expect(200);
    };
    await settle(ids[paid.reference], 'mark-paid');
    await settle(ids[failed.reference], 'mark-failed');

    const queue = (await editor.get('/desk').expect(200)).text;
    expect(row(queue, accepted.reference)).toContain('data-news="offer_accepted">Offer accepted</span>');
    expect(row(queue, paid.reference)).toContain('data-news="paid">Paid</span>');
    expect(row(queue, paid.reference)).not.toContain('Offer accepted');
    expect(row(queue, failed.reference)).toContain('data-news="payment_failed">Payment failed</span>');
    for (const [kind, tip] of [
      ['offer_accepted', accepted],
      ['paid', paid],
      ['payment_failed', failed],
    ] as const) {
      const refs = (await editor.get(`/api/tips?news=${kind}`).expect(200)).body.items.map((i: { reference: string }) => i.reference);
      expect(refs).toContain(tip.reference);
    }
  });

  it('a news filter that does not exist: 400 from the API, dropped and named on the page', async () => {
    expect((await editor.get('/api/tips?news=gossip')).status).toBe(400);
    const page = await editor.get('/desk?news=gossip').expect(200);
    expect(page.text).toContain('news must be one of replied, offer_accepted, paid, payment_failed');
  });
});
