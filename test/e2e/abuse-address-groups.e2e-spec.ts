// Issue 15: every limit counts a client's address group, not the address. One IPv6 customer gets a
// whole /64 (18 quintillion addresses): keyed by address, rotating through it never hit a limit.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { CONSENT } from '../support/fixtures.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ RATE_LIMIT_TIPS_PER_HOUR: '5', RATE_LIMIT_SIGN_INS_PER_15_MINUTES: '5' });
});
afterAll(async () => {
  await t?.close();
});

// TRUST_PROXY is loopback by default: the test names each client as a proxy on this host would.
const tipFrom = (address: string) =>
  request(t.url)
    .post('/api/tips')
    .set('X-Forwarded-For', address)
    .send({ story: 'A story from a rotating address', ...CONSENT });

/** The nth address of 2001:db8:1:2::/64, spread over the interface id as a privacy-extension address would be. */
const hextet = (value: number) => (value % 0x10000).toString(16);
const inOne64 = (n: number) => `2001:db8:1:2:${hextet(n * 7919)}:${hextet(n * 104729)}:${hextet(n)}:1`;

describe('address groups: IPv4 per address, IPv6 per /64', () => {
  it('90 tips from 90 addresses of one /64: the sixth and every later one 429 RATE_LIMITED, five tips stored', async () => {
    const statuses: number[] = [];
    for (let n = 1; n <= 90; n++) statuses.push((await tipFrom(inOne64(n))).status);
    expect(statuses.slice(0, 5)).toEqual([201, 201, 201, 201, 201]);
    expect(statuses.slice(5).every((status) => status === 429)).toBe(true);
    expect(await t.count('tips')).toBe(5);
  });

  it('another /64 of the same /48 is another group: 201', async () => {
    await tipFrom('2001:db8:1:3::1').expect(201);
  });

  it('an IPv4 address written as IPv4-mapped IPv6 is the same client as the IPv4 address', async () => {
    for (let n = 0; n < 5; n++) await tipFrom('198.51.100.20').expect(201);
    const res = await tipFrom('::ffff:198.51.100.20').expect(429);
    expect(res.body.code).toBe('RATE_LIMITED');
    await tipFrom('198.51.100.21').expect(201);
  });

  it('sign-ins rotating through one /64 are limited as one client', async () => {
    const statuses: number[] = [];
    for (let n = 1; n <= 8; n++) {
      const res = await request(t.url)
        .post('/api/auth/login')
        .set('X-Forwarded-For', inOne64(1000 + n).replace('2001:db8:1:2', '2001:db8:9:9'))
        .send({ email: `nobody${n}@paper.test`, password: 'not the password at all' });
      statuses.push(res.status);
    }
    expect(statuses.slice(0, 5).every((status) => status === 401)).toBe(true);
    expect(statuses.slice(5)).toEqual([429, 429, 429]);
  });

  it('X-Forwarded-For with 50 hops or garbage: answered, never a crash (the trusted-proxy rule picks the client)', async () => {
    const hops = Array.from({ length: 50 }, (_, n) => `203.0.113.${n + 1}`).join(', ');
    expect((await tipFrom(hops)).status).toBe(201);
    for (const garbage of ['not-an-address', '999.1.2.3', '[::1', ',,,', 'a'.repeat(2000)]) {
      expect([201, 429]).toContain((await tipFrom(garbage)).status);
    }
    await request(t.url).get('/health/live').expect(200);
  });
});

describe('a wider IPv6 group by configuration (RATE_LIMIT_IPV6_PREFIX=48)', () => {
  let wide: TestApp;
  beforeAll(async () => {
    wide = await startTestApp({ RATE_LIMIT_TIPS_PER_HOUR: '2', RATE_LIMIT_IPV6_PREFIX: '48' });
  });
  afterAll(async () => {
    await wide?.close();
  });

  it('two /64s of one /48 share the limit', async () => {
    const from = (address: string) =>
      request(wide.url)
        .post('/api/tips')
        .set('X-Forwarded-For', address)
        .send({ story: 'A story', ...CONSENT });
    await from('2001:db8:7:1::1').expect(201);
    await from('2001:db8:7:2::1').expect(201);
    await from('2001:db8:7:3::1').expect(429);
  });

  it('a prefix outside 16–128: the app refuses to start, naming RATE_LIMIT_IPV6_PREFIX', async () => {
    await expect(startTestApp({ RATE_LIMIT_IPV6_PREFIX: '8' })).rejects.toThrow(/RATE_LIMIT_IPV6_PREFIX/);
  });
});
