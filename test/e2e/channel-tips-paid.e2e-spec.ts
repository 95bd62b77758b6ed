import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { ChannelIntakeService } from '../../src/channels/channel-intake.service.js';
import type { InboundChannel } from '../../src/channels/inbound-message.js';
import { CSRF_HEADER } from '../../src/staff/access.guard.js';
import { sessionCookie, signedInStaff, type SignedInStaff } from '../support/staff.js';
import { openRiskCodes } from '../support/payout-risks.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const UK = { confirmLicence: true, method: 'uk_bank', accountName: 'Chan Nel', sortCode: '60-16-13', accountNumber: '31926819' };

/**
 * Issue 6: "every channel's tips are triaged, searched, paid and exported exactly like web
 * tips". A tip from email, WhatsApp and phone each goes the whole way: found by search, claimed,
 * offered, accepted by its contributor with the secret the channel gave them, approved by
 * someone else, batched into a Bankline file and reconciled paid.
 */
describe('tips from every channel are searched, paid and exported like web tips', () => {
  let t: TestApp;
  let editor: SignedInStaff;
  let accountant: SignedInStaff;
  /** Takes the calls: having heard the secret, never the one to offer on a phone tip (issue 12). */
  let phoneDesk: SignedInStaff;

  beforeAll(async () => {
    t = await startTestApp({ PAYER_SORT_CODE: '200000', PAYER_ACCOUNT_NUMBER: '55779911' });
    editor = await signedInStaff(t, 'editor');
    accountant = await signedInStaff(t, 'accounting');
    phoneDesk = await signedInStaff(t, 'editor');
  });
  afterAll(async () => {
    await t.close();
  });

  async function channelTip(channel: InboundChannel | 'phone', story: string): Promise<{ id: string; reference: string; secret: string }> {
    if (channel === 'phone') {
      const res = await phoneDesk.post('/api/tips/phone').send({ callerNumber: '+44 7700 900321', callerName: 'Phil Caller', story }).expect(201);
      return { id: res.body.id, reference: res.body.reference, secret: res.body.secret };
    }
    const address = channel === 'email' ? 'channel.reader@example.org' : '+447700900654';
    const result = await t.app.get(ChannelIntakeService).receive({
      channel,
      providerMessageId: `${channel}-${story}`,
      sender: { address, name: 'Chan Reader' },
      text: story,
      attachments: [],
      dropped: [],
    });
    expect(result.createdTip).toBe(true);
    return { id: result.tipId, reference: result.reference, secret: result.secret! };
  }

  it.each(['email', 'whatsapp', 'phone'] as const)('a %s tip: searched, claimed, offered, accepted, approved, batched, paid', async (channel) => {
    const word = `Quarry${channel}`;
    const tip = await channelTip(channel, `Flooding at the ${word} works`);

    const found = await editor.get(`/api/tips?q=${word}&channel=${channel}`).expect(200);
    expect(found.body.items.map((i: { id: string }) => i.id)).toEqual([tip.id]);
    const detail = await editor.get(`/api/tips/${tip.id}`).expect(200);
    await editor.patch(`/api/tips/${tip.id}`).send({ version: detail.body.version, status: 'in_review', assigneeId: editor.user.id }).expect(200);

    const offer = await editor.post(`/api/tips/${tip.id}/payouts`).send({ amountMinor: 12_500, currency: 'GBP', licence: 'non_exclusive' }).expect(201);

    const signIn = await request(t.url).post('/api/contributor/session').send({ reference: tip.reference, secret: tip.secret }).expect(200);
    const contributor = { cookie: sessionCookie(signIn, 'tipdesk_contributor'), csrf: signIn.body.csrfToken as string };
    await request(t.url)
      .post(`/api/contributor/payouts/${offer.body.id}/accept`)
      .set('Cookie', contributor.cookie)
      .set(CSRF_HEADER, contributor.csrf)
      .send(UK)
      .expect(200);

    const { version } = (await accountant.get(`/api/payouts/${offer.body.id}`).expect(200)).body;
    await accountant
      .post(`/api/payouts/${offer.body.id}/approve`)
      .send({ version, acknowledgeRisks: await openRiskCodes(accountant, offer.body.id) })
      .expect(200);
    const batch = (await accountant.post('/api/payout-batches').send({ format: 'bankline-csv' }).expect(201)).body;
    expect(batch.count).toBe(1);
    const file = await accountant
      .get(`/api/payout-batches/${batch.id}/file`)
      .buffer(true)
      .parse((res, done) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => done(null, Buffer.concat(chunks)));
      })
      .expect(200);
    expect((file.body as Buffer).toString('ascii')).toContain(offer.body.bankReference);
    await accountant.post(`/api/payout-batches/${batch.id}/sent`).send({ version: batch.version }).expect(200);
    await accountant
      .post(`/api/payout-batches/${batch.id}/reconcile`)
      .set('Content-Type', 'text/csv')
      .send(`${offer.body.bankReference},paid,FP-${channel}\r\n`)
      .expect(200);

    const mine = (await request(t.url).get('/api/contributor/tip').set('Cookie', contributor.cookie).expect(200)).body;
    expect(mine.payouts).toEqual([expect.objectContaining({ id: offer.body.id, state: 'paid' })]);
  });
});
