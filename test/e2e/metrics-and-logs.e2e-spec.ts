import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { readFile } from 'node:fs/promises';
import request from 'supertest';
import { onePixelPng } from '../support/media-samples.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const consent = { consentTerms: true, consentOwnWork: true, consentOver18: true };
const METRICS_TOKEN = 'metrics-token-for-the-scraper-0123456789';
const TUS = { 'Tus-Resumable': '1.0.0' };

function logLines(t: TestApp): Record<string, unknown>[] {
  return t.logs.map((line) => JSON.parse(line) as Record<string, unknown>);
}

function family(text: string, name: string) {
  const found = parsePrometheusTextFormat(text).find((f) => f.name === name);
  if (!found) throw new Error(`no metric family ${name}`);
  return found;
}

describe('GET /metrics: Prometheus text for operators', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ METRICS_TOKEN });
  });
  afterAll(async () => {
    await t.close();
  });

  it('serves every family the dashboard uses, parsed by a Prometheus text parser', async () => {
    // Something to count: a tip, a request on a templated route, a tus upload's bytes.
    await request(t.url)
      .post('/api/tips')
      .send({ story: 'A burst water main floods the market square', ...consent })
      .expect(201);
    await request(t.url).get('/api/tips/7b0c3f6e-0000-4000-8000-000000000000').expect(401);
    const png = onePixelPng();
    const created = await request(t.url)
      .post('/api/uploads')
      .set({ ...TUS, 'Upload-Length': String(png.length) })
      .expect(201);
    await request(t.url)
      .patch(created.headers.location)
      .set({ ...TUS, 'Upload-Offset': '0', 'Content-Type': 'application/offset+octet-stream' })
      .send(png)
      .expect(204);

    const res = await request(t.url).get('/metrics').expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    const families = parsePrometheusTextFormat(res.text);
    const names = families.map((f) => f.name);
    expect(names).toEqual(
      expect.arrayContaining([
        'tipdesk_http_request_duration_seconds',
        'tipdesk_upload_bytes_received_total',
        'tipdesk_tus_uploads_in_flight',
        'tipdesk_tips_created_total',
        'tipdesk_tips',
        'tipdesk_payouts',
        'tipdesk_jobs',
        'tipdesk_job_dead_letters',
        'tipdesk_clamd_failures_total',
        'tipdesk_ffprobe_failures_total',
        'nodejs_eventloop_lag_seconds',
        'nodejs_heap_size_used_bytes',
        'process_resident_memory_bytes',
      ]),
    );

    expect(family(res.text, 'tipdesk_http_request_duration_seconds').type).toBe('HISTOGRAM');
    // (the parser folds a labelled histogram's series into one, so its label sets are read from the _count lines)
    const routes = [...res.text.matchAll(/^tipdesk_http_request_duration_seconds_count\{method="([^"]*)",route="([^"]*)",status="([^"]*)"\} \d+$/gm)].map(
      ([, method, route, status]) => ({ method, route, status }),
    );
    expect(routes).toEqual(
      expect.arrayContaining([
        { method: 'POST', route: '/api/tips', status: '201' },
        { method: 'GET', route: '/api/tips/:id', status: '401' },
        { method: 'PATCH', route: '/api/uploads/:id', status: '204' },
      ]),
    );
    // No raw path (an upload id is the key to its upload) ever becomes a label.
    expect(res.text).not.toContain(created.headers.location.split('/').pop());

    expect(family(res.text, 'tipdesk_tips_created_total').metrics).toEqual([{ labels: { channel: 'api' }, value: '1' }]);
    expect(family(res.text, 'tipdesk_tips').metrics).toEqual(
      expect.arrayContaining([
        { labels: { status: 'new' }, value: '1' },
        { labels: { status: 'spam' }, value: '0' },
      ]),
    );
    expect(family(res.text, 'tipdesk_upload_bytes_received_total').metrics).toEqual([{ labels: { path: 'tus' }, value: String(png.length) }]);
    expect(family(res.text, 'tipdesk_tus_uploads_in_flight').metrics).toEqual([{ value: '0' }]);
    expect(family(res.text, 'tipdesk_job_dead_letters').metrics).toEqual(
      expect.arrayContaining([{ labels: { queue: 'contributor-mail-dead-letters' }, value: '0' }]),
    );
    expect(Number(family(res.text, 'process_resident_memory_bytes').metrics[0].value)).toBeGreaterThan(10 * 1024 * 1024);
  });

  it('every metric the Grafana dashboard in deploy/ queries is served', async () => {
    const dashboard = await readFile(new URL('../../deploy/grafana-dashboard.json', import.meta.url), 'utf8');
    const exprs = (JSON.parse(dashboard) as { panels: { targets?: { expr: string }[] }[] }).panels.flatMap((p) => p.targets ?? []).map((target) => target.expr);
    const used = new Set(
      exprs.flatMap((expr) => expr.match(/\b(tipdesk|nodejs|process)_[a-z0-9_]+/g) ?? []).map((name) => name.replace(/_(bucket|count|sum)$/, '')),
    );
    const served = new Set(parsePrometheusTextFormat((await request(t.url).get('/metrics').expect(200)).text).map((f) => f.name));
    expect([...used].filter((name) => !served.has(name))).toEqual([]);
    expect(used.size).toBeGreaterThan(10);
  });

  it('a caller outside the private networks (X-Forwarded-For from the trusted local proxy): 404, as if there were no such path', async () => {
    const res = await request(t.url).get('/metrics').set('X-Forwarded-For', '203.0.113.7');
    expect(res.status).toBe(404);
    expect(res.text).not.toContain('tipdesk_');
  });

  it('the same caller with a wrong token: 404; with Authorization: Bearer METRICS_TOKEN: 200', async () => {
    await request(t.url).get('/metrics').set('X-Forwarded-For', '203.0.113.7').set('Authorization', 'Bearer not-the-token-at-all-0123456789').expect(404);
    const res = await request(t.url).get('/metrics').set('X-Forwarded-For', '203.0.113.7').set('Authorization', `Bearer ${METRICS_TOKEN}`).expect(200);
    expect(res.text).toContain('tipdesk_http_request_duration_seconds');
  });

  it('a private-network client behind the proxy (X-Forwarded-For: 10.1.2.3): 200', async () => {
    await request(t.url).get('/metrics').set('X-Forwarded-For', '10.1.2.3').expect(200);
  });
});

describe('logs: request ids, components, route templates', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it("a service's log line written while handling a JSON post carries that request's id and names its component", async () => {
    const res = await request(t.url)
      .post('/api/tips')
      .send({ story: 'The old pier is closed after a storm', ...consent })
      .expect(201);
    const requestId = res.headers['x-request-id'];
    const serviceLine = logLines(t).find((line) => line.event === 'tip.created' && line.reference === res.body.reference);
    expect(serviceLine).toMatchObject({ requestId, component: 'tip-intake', channel: 'api' });
    const accessLine = logLines(t).find((line) => line.msg === 'request' && line.requestId === requestId);
    expect(accessLine).toMatchObject({ method: 'POST', route: '/api/tips', status: 201 });
  });

  it("a multipart post (read by multer from stream events) keeps its request id on the service's line too", async () => {
    const res = await request(t.url)
      .post('/api/tips')
      .field('story', 'Sinkhole opens on the ring road')
      .field('consentTerms', 'true')
      .field('consentOwnWork', 'true')
      .field('consentOver18', 'true')
      .expect(201);
    const serviceLine = logLines(t).find((line) => line.event === 'tip.created' && line.reference === res.body.reference);
    expect(serviceLine).toMatchObject({ requestId: res.headers['x-request-id'], component: 'tip-intake' });
  });

  it('the access line of a tus request logs /api/uploads/:id, never the upload id', async () => {
    const created = await request(t.url)
      .post('/api/uploads')
      .set({ ...TUS, 'Upload-Length': '5' })
      .expect(201);
    const id = created.headers.location.split('/').pop()!;
    const head = await request(t.url).head(created.headers.location).set(TUS).expect(200);
    const line = logLines(t).find((l) => l.msg === 'request' && l.requestId === head.headers['x-request-id']);
    expect(line).toMatchObject({ method: 'HEAD', route: '/api/uploads/:id', status: 200 });
    expect(t.logs.join('\n')).not.toContain(id);
  });

  it('X-Request-Id from the trusted proxy (loopback) is kept and returned', async () => {
    const res = await request(t.url).get('/health/live').set('X-Request-Id', 'edge-proxy-req-0001');
    expect(res.headers['x-request-id']).toBe('edge-proxy-req-0001');
  });
});

describe('logs: X-Request-Id from a peer that is not a trusted proxy', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ TRUST_PROXY: 'false' });
  });
  afterAll(async () => {
    await t.close();
  });

  it('X-Request-Id from an untrusted peer: ignored, a new id is made and returned', async () => {
    const res = await request(t.url).get('/health/live').set('X-Request-Id', 'forged-by-a-client-0001');
    expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('/metrics from loopback with TRUST_PROXY=false: still 200 (the direct peer is the client)', async () => {
    await request(t.url).get('/metrics').expect(200);
  });
});
