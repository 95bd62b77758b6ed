// Issue 15: the inbound SMTP listener bound 0.0.0.0 and took mail from anyone. A direct connection
// skips the MX's SPF/DKIM/DMARC checks, so anyone could forge a contributor into their thread.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createTransport } from 'nodemailer';
import { SmtpListener } from '../../src/channels/email/smtp-listener.js';
import { loadConfig } from '../../src/config/app-config.js';
import { freePort } from '../support/net.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const TIPS = 'tips@paper.example';

async function listenerApp(env: Record<string, string>): Promise<{ app: TestApp; port: number }> {
  const port = await freePort();
  const app = await startTestApp({ INBOUND_SMTP_PORT: String(port), INBOUND_EMAIL_ADDRESSES: TIPS, ...env });
  return { app, port };
}

const send = (port: number) =>
  createTransport(`smtp://127.0.0.1:${port}`)
    .sendMail({ from: 'pat@example.org', to: TIPS, subject: 'A tip', text: 'The bridge is closed.' })
    .then(
      (info) => ({ code: Number(info.response.slice(0, 3)) }),
      (error: { responseCode?: number }) => ({ code: error.responseCode ?? -1 }),
    );

describe('inbound SMTP listener access', () => {
  describe('defaults', () => {
    let t: { app: TestApp; port: number };
    beforeAll(async () => {
      t = await listenerApp({});
    });
    afterAll(async () => {
      await t?.app.close();
    });

    it('binds 127.0.0.1 when INBOUND_SMTP_HOST is not set (it bound 0.0.0.0)', () => {
      expect(t.app.app.get(SmtpListener).host).toBe('127.0.0.1');
    });

    it('takes mail from this host (the MX on the same machine): 250, one tip', async () => {
      expect(await send(t.port)).toEqual({ code: 250 });
      expect(await t.app.count('tips')).toBe(1);
    });
  });

  describe('INBOUND_SMTP_ALLOW naming the MX elsewhere', () => {
    let t: { app: TestApp; port: number };
    beforeAll(async () => {
      t = await listenerApp({ INBOUND_SMTP_ALLOW: '192.0.2.25, 2001:db8:25::/64' });
    });
    afterAll(async () => {
      await t?.app.close();
    });

    it('a connection from an address not on the list: 554 at connect, no tip, nothing stored', async () => {
      expect(await send(t.port)).toEqual({ code: 554 });
      expect(await t.app.count('tips')).toBe(0);
      expect(await t.app.count('channel_messages')).toBe(0);
      expect(await t.app.blobFiles()).toEqual([]);
      expect(t.app.logs.some((line) => line.includes('email.smtp_client_refused'))).toBe(true);
    });
  });

  describe('INBOUND_SMTP_ALLOW with a CIDR that holds the client', () => {
    let t: { app: TestApp; port: number };
    beforeAll(async () => {
      t = await listenerApp({ INBOUND_SMTP_ALLOW: '127.0.0.0/8' });
    });
    afterAll(async () => {
      await t?.app.close();
    });

    it('takes the mail: 250', async () => {
      expect(await send(t.port)).toEqual({ code: 250 });
    });
  });

  it.each(['192.0.2.300', 'mx.paper.example', '10.0.0.0/33', '192.0.2.25;10.0.0.1'])(
    'INBOUND_SMTP_ALLOW=%s: the app refuses to start, naming the variable',
    (value) => {
      expect(() => loadConfig({ INBOUND_SMTP_ALLOW: value })).toThrow(/INBOUND_SMTP_ALLOW must be comma-separated IP addresses or CIDRs/);
    },
  );
});
