// Issue 15: a contributor could send the desk unlimited replies, burying the tip page. Now at
// most CONTRIBUTOR_MESSAGES_PER_HOUR per tip; the rest are 429 with Retry-After, on the API and the page.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { contributorWithTip } from '../support/fixtures.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ CONTRIBUTOR_MESSAGES_PER_HOUR: '3' });
});
afterAll(async () => {
  await t?.close();
});

const messagesOf = async (tipId: string) => Number((await t.db.query(`SELECT count(*) AS n FROM messages WHERE tip_id = $1`, [tipId])).rows[0].n);

describe('contributor replies per hour', () => {
  it('the fourth reply within the hour over the API: 429 RATE_LIMITED with Retry-After, not stored; another tip’s contributor still replies', async () => {
    const flooder = await contributorWithTip(t);
    for (let n = 1; n <= 3; n++)
      await flooder
        .post('/api/contributor/messages')
        .send({ body: `Reply ${n}` })
        .expect(201);
    const refused = await flooder.post('/api/contributor/messages').send({ body: 'Reply 4' });
    expect(refused.status).toBe(429);
    expect(refused.body.code).toBe('RATE_LIMITED');
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(await messagesOf(flooder.id)).toBe(3);

    const other = await contributorWithTip(t);
    await other.post('/api/contributor/messages').send({ body: 'My first reply' }).expect(201);
  });

  it('on the status page the refusal is said in words next to the reply box, and nothing is stored', async () => {
    const contributor = await contributorWithTip(t);
    const page = await request(t.url).get('/status/tip').set('Cookie', contributor.cookie).expect(200);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.text)![1];
    const send = (body: string) =>
      request(t.url).post('/status/tip/messages').type('form').set('Accept', 'text/html').set('Cookie', contributor.cookie).send({ _csrf: csrf, body });
    for (let n = 1; n <= 3; n++) expect((await send(`Page reply ${n}`)).status).toBe(303);
    const refused = await send('Page reply 4');
    expect(refused.status).toBe(429);
    expect(refused.text).toContain('a lot of messages in the last hour');
    expect(await messagesOf(contributor.id)).toBe(3);
  });

  it('a reply over the length limit: 400 naming the field, nothing stored', async () => {
    const contributor = await contributorWithTip(t);
    const res = await contributor.post('/api/contributor/messages').send({ body: 'x'.repeat(10_001) });
    expect(res.status).toBe(400);
    expect(res.body.fields).toHaveProperty('body');
    expect(await messagesOf(contributor.id)).toBe(0);
  });
});
