import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import request from 'supertest';
import { startTestApp, type TestApp } from '../support/test-app.js';

describe('health, API docs, headers and errors', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('GET /health (the same as /health/ready) checks the database and storage, and says how far the bank-holiday table reaches', async () => {
    for (const path of ['/health', '/health/ready']) {
      const res = await request(t.url).get(path);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ status: 'ok', database: 'up', storage: { driver: 'local', status: 'up' }, bankHolidays: { coveredUntil: '2027-12-31' } });
    }
  });

  it('GET /health/live: 200 with no I/O, whatever the storage', async () => {
    const res = await request(t.url).get('/health/live');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok' });
    expect(res.headers['cache-control']).toBe('no-store');
  });

  it('GET /health/ready writes nothing to storage (read-only checks)', async () => {
    // Every entry under the store, health probes included (blobFiles() leaves those out).
    const everything = () => readdir(join(t.dataDir, 'blobs'), { recursive: true }).catch(() => [] as string[]);
    const before = await everything();
    await new Promise((resolve) => setTimeout(resolve, 1100)); // past the one-second cache
    await request(t.url).get('/health/ready').expect(200);
    expect(await everything()).toEqual(before);
  });

  it('GET /api/docs serves the OpenAPI document built from the DTOs', async () => {
    const html = await request(t.url).get('/api/docs');
    expect(html.status).toBe(200);
    expect(html.text).toContain('swagger-ui');
    const spec = await request(t.url).get('/api/docs/openapi.json');
    expect(spec.status).toBe(200);
    expect(spec.body.paths['/api/tips'].post).toBeDefined();
    expect(Object.keys(spec.body.components.schemas.CreateTipDto.properties)).toEqual(
      expect.arrayContaining(['story', 'email', 'consentTerms', 'consentOwnWork', 'consentOver18', 'uploads', 'website', 'licence', 'occurredAt']),
    );
  });

  it('pages carry a strict CSP and nosniff; every answer has a request id', async () => {
    const res = await request(t.url).get('/');
    expect(res.headers['content-security-policy']).toContain("default-src 'none'");
    expect(res.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.headers['x-powered-by']).toBeUndefined();
    const api = await request(t.url).post('/api/tips').send({});
    expect(api.headers['x-content-type-options']).toBe('nosniff');
    expect(api.headers['content-security-policy']).toBe("default-src 'none'; frame-ancestors 'none'");
  });

  it('an unknown API path is a JSON 404; an unknown page is an HTML page', async () => {
    const api = await request(t.url).get('/api/nothing-here');
    expect(api.status).toBe(404);
    expect(api.body).toMatchObject({ statusCode: 404, error: 'Not Found' });
    const page = await request(t.url).get('/nothing-here').set('Accept', 'text/html');
    expect(page.status).toBe(404);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    expect(page.text).toContain('Page not found');
  });

  it('GET /health answers 503 when storage cannot be written', async () => {
    const blobs = join(t.dataDir, 'blobs');
    await rm(blobs, { recursive: true, force: true });
    await writeFile(blobs, 'not a directory');
    await new Promise((resolve) => setTimeout(resolve, 1100)); // past the one-second cache of the last answer
    try {
      const res = await request(t.url).get('/health');
      expect(res.status).toBe(503);
      expect(res.body).toMatchObject({ status: 'degraded', database: 'up', storage: { status: 'down' } });
    } finally {
      await rm(blobs, { force: true });
    }
  });
});
