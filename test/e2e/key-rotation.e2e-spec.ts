// Key rotation (issue 14): with ENCRYPTION_KEY_PREVIOUS the app reads data under old keys;
// `npm run cli -- keys:rotate` re-encrypts every encrypted field under the current key in batches.
// Interrupted half way (the process killed) and resumed: every field readable, none encrypted twice;
// keyed hashes under HASH_KEY still match (an Idempotency-Key's retry after the rotation).
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import request from 'supertest';
import { keyFrom, type EncryptionKey } from '../../src/crypto/encryption-key.js';
import { FieldCipher } from '../../src/crypto/field-cipher.js';
import { CLI, runCli } from '../support/cli-process.js';
import { approvedPayout, CONSENT, postTip } from '../support/fixtures.js';
import { signedInStaff, type SignedInStaff } from '../support/staff.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

/** Every encrypted column, with its table's key, as keys:rotate knows them. */
const COLUMNS = [
  ['contributors', 'id', 'email_encrypted'],
  ['contributors', 'id', 'phone_encrypted'],
  ['tip_idempotency_keys', 'key_hash', 'response_encrypted'],
  ['staff_users', 'id', 'totp_secret_encrypted'],
  ['payee_details', 'id', 'account_holder_name_encrypted'],
  ['payee_details', 'id', 'details_encrypted'],
  ['payout_batch_items', 'id', 'snapshot_encrypted'],
] as const;

const oldKey: EncryptionKey = keyFrom(randomBytes(32));
const newKey: EncryptionKey = keyFrom(randomBytes(32));
const hashKey = randomBytes(32);
const b64 = (key: Buffer) => key.toString('base64');

let before: TestApp;
let editor: SignedInStaff;
let accountant: SignedInStaff;
/** `table.column:ref` → plaintext, read with the old key before anything rotated. */
const plaintexts = new Map<string, string>();
const IDEMPOTENCY_KEY = 'retry-after-rotation-0001';
let idempotentReceipt: { reference: string; secret: string };
const tipIds: string[] = [];

const cli = (args: string[], env: Record<string, string>) => runCli(args, { LOG_LEVEL: 'warn', ...env });

/** keys:rotate killed outright after `batches` batches, as a crash or Ctrl-C would interrupt it. */
function interruptedRotation(env: Record<string, string>, batches: number): Promise<{ signal: string | null; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, 'keys:rotate', '--batch-size', '2'], {
      env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'warn', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
      if ((stdout.match(/ re-encrypted\n/g) ?? []).length >= batches) child.kill('SIGKILL');
    });
    child.on('error', reject);
    child.on('close', (_code, signal) => resolve({ signal, stdout }));
  });
}

async function allValues(): Promise<{ id: string; value: string }[]> {
  const values: { id: string; value: string }[] = [];
  for (const [table, key, column] of COLUMNS) {
    const { rows } = await before.db.query<{ ref: string; value: string }>(
      `SELECT ${key}::text AS ref, ${column} AS value FROM ${table} WHERE ${column} IS NOT NULL`,
    );
    values.push(...rows.map((r) => ({ id: `${table}.${column}:${r.ref}`, value: r.value })));
  }
  return values;
}

const underKey = (value: string, key: EncryptionKey) => value.startsWith(`v1:${key.id}:`);

beforeAll(async () => {
  before = await startTestApp({}, { keys: { current: oldKey, hashKey } });
  editor = await signedInStaff(before, 'editor');
  accountant = await signedInStaff(before, 'accounting');
  for (let i = 0; i < 6; i++) {
    const receipt = await postTip(before, { story: `Tip ${i}`, name: `Person ${i}`, email: `person${i}@example.test`, phone: `+4477009000${10 + i}` });
    tipIds.push(receipt.id);
  }
  const posted = await request(before.url)
    .post('/api/tips')
    .set('Idempotency-Key', IDEMPOTENCY_KEY)
    .send({ story: 'Posted twice by a flaky phone', email: 'flaky@example.test', ...CONSENT })
    .expect(201);
  idempotentReceipt = { reference: posted.body.reference, secret: posted.body.secret };
  await approvedPayout(before, editor, accountant);
  await approvedPayout(before, editor, accountant);
  await accountant.post('/api/payout-batches').send({ format: 'csv' }).expect(201);
  await editor.post('/api/auth/totp/setup').send({}).expect(200);

  const oldCipher = new FieldCipher(oldKey);
  for (const { id, value } of await allValues()) plaintexts.set(id, oldCipher.decrypt(value));
  // Every column has something to rotate.
  for (const [table, , column] of COLUMNS) expect([...plaintexts.keys()].some((id) => id.startsWith(`${table}.${column}:`))).toBe(true);
});
afterAll(() => before?.close());

describe('npm run cli -- keys:rotate', () => {
  const env = () => ({
    DATABASE_URL: before.databaseUrl,
    DATA_DIR: before.dataDir,
    ENCRYPTION_KEY: b64(newKey.key),
    ENCRYPTION_KEY_PREVIOUS: `${b64(randomBytes(32))}, ${b64(oldKey.key)}`,
    HASH_KEY: b64(hashKey),
  });

  it('interrupted half way: some fields under the new key, the rest under the old, and an app with ENCRYPTION_KEY_PREVIOUS reads them all', async () => {
    const killed = await interruptedRotation(env(), 4);
    expect(killed.signal).toBe('SIGKILL');
    const values = await allValues();
    const rotated = values.filter((v) => underKey(v.value, newKey)).length;
    expect(rotated).toBeGreaterThanOrEqual(7); // four batches of two (the last of the emails holds one)
    expect(rotated).toBeLessThan(values.length);
    expect(values.every((v) => underKey(v.value, newKey) || underKey(v.value, oldKey))).toBe(true);

    const during = await startTestApp({}, { shareWith: before, keys: { current: newKey, previous: [oldKey], hashKey } });
    try {
      const reader = await signedInStaff(during, 'editor');
      for (const [i, id] of tipIds.entries()) {
        const tip = (await reader.get(`/api/tips/${id}`).expect(200)).body;
        expect(JSON.stringify(tip)).toContain(`person${i}@example.test`);
      }
    } finally {
      await during.close();
    }
  });

  it('resumed: finishes, every field under the new key exactly once, the same plaintext as before', async () => {
    const resumed = await cli(['keys:rotate', '--batch-size', '2'], env());
    expect(resumed.stderr).toBe('');
    expect(resumed.code).toBe(0);
    expect(resumed.stdout).toContain(`Done: every encrypted field is under key ${newKey.id}`);
    const values = await allValues();
    expect(values.map((v) => v.id).sort()).toEqual([...plaintexts.keys()].sort());
    // Only the new key now: one decryption gives the original text, so nothing was encrypted twice.
    const newOnly = new FieldCipher(newKey);
    for (const { id, value } of values) {
      expect(underKey(value, newKey)).toBe(true);
      const plain = newOnly.decrypt(value);
      expect(plain).toBe(plaintexts.get(id));
      expect(plain.startsWith('v1:')).toBe(false);
    }
    // Run again: nothing left to do.
    const again = await cli(['keys:rotate'], env());
    expect(again.code).toBe(0);
    expect(again.stdout).not.toMatch(/: [1-9]\d* re-encrypted/);
  });

  it('an app with only the new key (and the same HASH_KEY) reads everything and still matches keyed hashes: a retried post replays its receipt', async () => {
    const after = await startTestApp({}, { shareWith: before, keys: { current: newKey, hashKey } });
    try {
      const reader = await signedInStaff(after, 'editor');
      const tip = (await reader.get(`/api/tips/${tipIds[0]}`).expect(200)).body;
      expect(JSON.stringify(tip)).toContain('person0@example.test');
      const retried = await request(after.url)
        .post('/api/tips')
        .set('Idempotency-Key', IDEMPOTENCY_KEY)
        .send({ story: 'Posted twice by a flaky phone', email: 'flaky@example.test', ...CONSENT });
      expect(retried.status).toBe(201);
      expect(retried.body).toMatchObject(idempotentReceipt);
    } finally {
      await after.close();
    }
  });

  it('an audit export signed under the old key still verifies with the old key in ENCRYPTION_KEY_PREVIOUS (and not without it)', async () => {
    const admin = await signedInStaff(before, 'admin');
    const exported = await admin
      .get('/api/audit-events/export')
      .buffer(true)
      .parse((res, done) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
        res.on('end', () => done(null, text));
      });
    expect(exported.status).toBe(200);
    const file = join(before.dataDir, 'audit-export.ndjson');
    await writeFile(file, exported.body as string);
    const withPrevious = await cli(['audit:verify-export', file], env());
    expect(withPrevious.stdout).toMatch(/events, chain intact, signature valid/);
    expect(withPrevious.code).toBe(0);
    const newOnly = await cli(['audit:verify-export', file], { ...env(), ENCRYPTION_KEY_PREVIOUS: '' });
    expect(newOnly.code).toBe(1);
  });

  it('payee details stay append-only outside a rotation: a plain UPDATE is refused', async () => {
    await expect(before.db.query(`UPDATE payee_details SET details_encrypted = details_encrypted || 'x'`)).rejects.toThrow(/append-only/);
    await expect(before.db.query(`UPDATE payee_details SET masked = '****0000'`)).rejects.toThrow(/append-only/);
  });

  it('a value under a key the ring does not hold stops the run, naming the row, and changes nothing', async () => {
    const stranger = keyFrom(randomBytes(32));
    const { rows } = await before.db.query<{ id: string }>(`SELECT id FROM contributors WHERE email_encrypted IS NOT NULL ORDER BY id LIMIT 1`);
    await before.db.query(`UPDATE contributors SET email_encrypted = $2 WHERE id = $1`, [rows[0].id, new FieldCipher(stranger).encrypt('lost@example.test')]);
    const third = keyFrom(randomBytes(32));
    const valuesBefore = await allValues();
    const result = await cli(['keys:rotate'], { ...env(), ENCRYPTION_KEY: b64(third.key), ENCRYPTION_KEY_PREVIOUS: b64(newKey.key) });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`contributors.email_encrypted of row ${rows[0].id} is under key ${stranger.id}`);
    // The batch with the unreadable value was not written; earlier columns' batches may have been.
    const changed = (await allValues()).filter((v) => valuesBefore.find((b) => b.id === v.id)!.value !== v.value);
    expect(changed.every((v) => !v.id.startsWith('contributors.email_encrypted') || underKey(v.value, third))).toBe(true);
    expect((await allValues()).find((v) => v.id === `contributors.email_encrypted:${rows[0].id}`)!.value.startsWith(`v1:${stranger.id}:`)).toBe(true);
  });

  it('refuses a bad --batch-size and a malformed ENCRYPTION_KEY_PREVIOUS, naming them', async () => {
    const size = await cli(['keys:rotate', '--batch-size', '0'], env());
    expect(size.code).toBe(64);
    expect(size.stderr).toContain('--batch-size must be a whole number from 1 to 10000');
    const previous = await cli(['keys:rotate'], { ...env(), ENCRYPTION_KEY_PREVIOUS: 'not-a-key' });
    expect(previous.code).toBe(78);
    expect(previous.stderr).toContain('ENCRYPTION_KEY_PREVIOUS must be keys like ENCRYPTION_KEY');
  });
});
