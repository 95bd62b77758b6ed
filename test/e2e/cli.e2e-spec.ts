import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import request from 'supertest';
import { derivedHashKey } from '../../src/crypto/encryption-key.js';
import { CLI, runCli } from '../support/cli-process.js';
import { createStaff, signIn } from '../support/staff.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

let t: TestApp;
let env: Record<string, string>;

beforeAll(async () => {
  t = await startTestApp();
  env = {
    DATABASE_URL: t.databaseUrl,
    DATA_DIR: t.dataDir,
    ENCRYPTION_KEY: t.encryptionKey.key.toString('base64'),
    // The test app hashes under the key derived from its encryption key (it has no HASH_KEY); the CLI must too (sign-in locks it lifts).
    HASH_KEY: derivedHashKey(t.encryptionKey.key).toString('base64'),
    LOG_LEVEL: 'warn',
  };
});
afterAll(async () => {
  await t.close();
});

describe('npm run cli -- staff:add', () => {
  it('creates an account whose password (read from stdin) signs in, and audits it', async () => {
    const setupLinksBefore = await t.count('staff_setup_tokens');
    const result = await runCli(
      ['staff:add', '--email', 'Desk.Chief@Paper.test', '--role', 'admin', '--name', 'Desk Chief'],
      env,
      'correct horse battery staple\n',
    );
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Created admin desk\.chief@paper\.test \(/);
    const session = await signIn(t, 'desk.chief@paper.test', 'correct horse battery staple');
    expect(session.user).toMatchObject({ role: 'admin', name: 'Desk Chief' });
    const { rows } = await t.db.query(`SELECT actor_type FROM audit_events WHERE action = 'staff.created' AND entity_id = $1`, [session.user.id]);
    expect(rows).toEqual([{ actor_type: 'system' }]);
    // The CLI boots StaffModule but is not a server: it mints no first-admin link of its own.
    expect(await t.count('staff_setup_tokens')).toBe(setupLinksBefore);
  });

  it('on a terminal the password is asked for and never echoed', async () => {
    // util-linux `script` gives the CLI a real pseudo-terminal and copies everything shown on it to stdout.
    const command = [process.execPath, CLI, 'staff:add', '--email', 'tty.user@paper.test', '--role', 'editor'].map((word) => `'${word}'`).join(' ');
    const shown = await new Promise<{ code: number; stdout: string }>((resolve, reject) => {
      const child = spawn('script', ['-qec', command, '/dev/null'], {
        env: { PATH: process.env.PATH ?? '', TERM: 'dumb', ...env },
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      let stdout = '';
      child.stdout.on('data', (chunk) => {
        stdout += chunk;
        if (stdout.includes('Password (at least 12 characters): ') && !child.stdin.writableEnded) child.stdin.end('typed on a terminal 42\r');
      });
      child.on('error', reject);
      child.on('close', (code) => resolve({ code: code ?? -1, stdout }));
    });
    expect(shown.stdout).toContain('Created editor tty.user@paper.test');
    expect(shown.stdout).not.toContain('typed on a terminal');
    expect(shown.code).toBe(0);
    await signIn(t, 'tty.user@paper.test', 'typed on a terminal 42');
  });

  it('a weak password: exit 64 with the reason, nobody created', async () => {
    const before = await t.count('staff_users');
    const result = await runCli(['staff:add', '--email', 'weak@paper.test', '--role', 'editor'], env, 'short\n');
    expect(result.code).toBe(64);
    expect(result.stderr).toMatch(/password: Use at least 12 characters/);
    expect(await t.count('staff_users')).toBe(before);
  });

  it('an unknown role or a missing option: exit 64 with usage', async () => {
    const badRole = await runCli(['staff:add', '--email', 'x@paper.test', '--role', 'boss'], env, 'a long enough passphrase');
    expect(badRole.code).toBe(64);
    expect(badRole.stderr).toMatch(/role must be one of admin, editor, accounting/);
    const missing = await runCli(['staff:add', '--role', 'editor'], env, '');
    expect(missing.code).toBe(64);
    expect(missing.stderr).toMatch(/Usage:/);
  });

  it('an email that is taken: exit 64, no second account', async () => {
    const result = await runCli(['staff:add', '--email', 'desk.chief@paper.test', '--role', 'editor'], env, 'another long passphrase');
    expect(result.code).toBe(64);
    expect(result.stderr).toMatch(/already a staff account/);
  });
});

describe('npm run cli -- staff:password', () => {
  it('sets the password read from stdin: the old one fails, the new one signs in, sessions end, the lock lifts, audited as system', async () => {
    const { user, password } = await createStaff(t, 'admin', { email: 'only.admin@paper.test' });
    const before = await signIn(t, user.email, password);
    for (let i = 0; i < 10; i++)
      await request(t.url)
        .post('/api/auth/login')
        .send({ email: user.email, password: `guess number ${i}` })
        .expect(401);

    const result = await runCli(['staff:password', '--email', 'Only.Admin@Paper.test'], env, 'a way back in for the admin\n');
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^New password set for admin only\.admin@paper\.test \(/);

    await before.get('/api/auth/me').expect(401);
    expect((await request(t.url).post('/api/auth/login').send({ email: user.email, password })).body.code).toBe('INVALID_CREDENTIALS');
    await signIn(t, user.email, 'a way back in for the admin');
    const { rows } = await t.db.query(`SELECT actor_type, actor_id, after FROM audit_events WHERE action = 'staff.password_reset' AND entity_id = $1`, [
      user.id,
    ]);
    expect(rows).toEqual([{ actor_type: 'system', actor_id: null, after: null }]);
  });

  it('a weak password: exit 64 with the reason, the password unchanged', async () => {
    const { user, password } = await createStaff(t, 'editor');
    const result = await runCli(['staff:password', '--email', user.email], env, 'short\n');
    expect(result.code).toBe(64);
    expect(result.stderr).toMatch(/password: Use at least 12 characters/);
    await signIn(t, user.email, password);
  });

  it('an unknown email: exit 64 saying there is no such account, nothing audited', async () => {
    const audited = await t.count('audit_events');
    const result = await runCli(['staff:password', '--email', 'nobody@paper.test'], env, 'a long enough passphrase');
    expect(result.code).toBe(64);
    expect(result.stderr).toMatch(/There is no staff account with the email address nobody@paper\.test/);
    expect(result.stdout).toBe('');
    expect(await t.count('audit_events')).toBe(audited);
  });

  it('no --email: exit 64 with usage that lists staff:password', async () => {
    const result = await runCli(['staff:password'], env, '');
    expect(result.code).toBe(64);
    expect(result.stderr).toMatch(/staff:password needs --email/);
    expect(result.stderr).toMatch(/npm run cli -- staff:password --email EMAIL/);
  });
});
