// The exception filter's contract with the web module's renderer: a page, a redirect, or JSON.
import { describe, expect, it } from '@jest/globals';
import type { ArgumentsHost } from '@nestjs/common';
import type { Request, Response } from 'express';
import pino from 'pino';
import { AuthRequiredError } from '../../src/staff/access.guard.js';
import { AllExceptionsFilter, type ErrorBody, type HtmlErrorRenderer } from '../../src/http/exception.filter.js';

function fakeResponse() {
  const sent: { status?: number; redirect?: [number, string]; json?: unknown; html?: string; headers: Record<string, string> } = { headers: {} };
  const res = {
    headersSent: false,
    setHeader: (name: string, value: string) => void (sent.headers[name] = value),
    redirect: (status: number, location: string) => void (sent.redirect = [status, location]),
    status(code: number) {
      sent.status = code;
      return this;
    },
    type() {
      return this;
    },
    send: (html: string) => void (sent.html = html),
    json: (body: unknown) => void (sent.json = body),
  };
  return { res: res as unknown as Response, sent };
}

function run(renderer: HtmlErrorRenderer | undefined, error: unknown) {
  const { res, sent } = fakeResponse();
  const req = { path: '/desk/tips', method: 'GET', id: 'r1' } as unknown as Request;
  const host = { switchToHttp: () => ({ getRequest: () => req, getResponse: () => res }) } as unknown as ArgumentsHost;
  new AllExceptionsFilter(pino({ level: 'silent' }), renderer).catch(error, host);
  return sent;
}

describe('AllExceptionsFilter with an HtmlErrorRenderer', () => {
  it('answers 303 to the address the renderer’s redirect() gives, with no body', () => {
    const seen: ErrorBody[] = [];
    const renderer: HtmlErrorRenderer = {
      render: () => 'page',
      redirect: (_req, body) => (seen.push(body), '/desk/login?next=%2Fdesk%2Ftips'),
    };
    const sent = run(renderer, new AuthRequiredError(false));
    expect(sent.redirect).toEqual([303, '/desk/login?next=%2Fdesk%2Ftips']);
    expect(sent.html).toBeUndefined();
    expect(seen[0]).toMatchObject({ statusCode: 401, code: 'AUTH_REQUIRED' });
  });

  it('renders the page when redirect() answers undefined', () => {
    const sent = run({ render: () => '<p>page</p>', redirect: () => undefined }, new AuthRequiredError(false));
    expect(sent.redirect).toBeUndefined();
    expect([sent.status, sent.html]).toEqual([401, '<p>page</p>']);
  });

  it('works with a renderer that has no redirect() (it is optional)', () => {
    const sent = run({ render: () => '<p>page</p>' }, new AuthRequiredError(true));
    expect([sent.status, sent.html]).toEqual([401, '<p>page</p>']);
  });

  it('answers JSON when the renderer declines both', () => {
    const sent = run({ render: () => undefined, redirect: () => undefined }, new AuthRequiredError(false));
    expect(sent.status).toBe(401);
    expect(sent.json).toMatchObject({ statusCode: 401, code: 'AUTH_REQUIRED' });
  });
});
