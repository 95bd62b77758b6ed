// The world an erasure test starts from: a tip that holds something of its contributor in every
// place tipdesk keeps it, and the checks that none of it is left anywhere.
import { expect } from '@jest/globals';
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { derivedHashKey } from '../../src/crypto/encryption-key.js';
import { BLOB_STORE, type BlobStore } from '../../src/storage/blob-store.js';
import { runCli as runCliProcess, type CliResult } from './cli-process.js';
import { contributorWithTip, type SignedInContributor } from './fixtures.js';
import type { SignedInStaff } from './staff.js';
import type { TestApp } from './test-app.js';

/** What the contributor told us: none of it may be found anywhere after an erasure. */
export interface PersonalTexts {
  story: string;
  name: string;
  email: string;
  phone: string;
  location: string;
  reply: string;
  question: string;
}

export interface RichTip {
  contributor: SignedInContributor;
  texts: PersonalTexts;
  /** Each media row's storage key and poster key (every file got a poster). */
  blobKeys: string[];
  sha256s: string[];
  posterSha256s: string[];
}

/**
 * A tip with a story, name, email, phone and location, `videos` files each with a poster, a reply
 * from the contributor, a question from the desk and a note quoting the reply.
 */
export async function richTip(t: TestApp, editor: SignedInStaff, options: { videos?: number } = {}): Promise<RichTip> {
  const tag = randomBytes(4).toString('hex');
  const texts: PersonalTexts = {
    story: `I filmed the river bursting its banks at Millbrook ${tag}`,
    name: `Wynona Quill-${tag}`,
    email: `wynona.${tag}@example.net`,
    phone: `+44 7700 9${tag.replace(/[a-f]/g, '1').slice(0, 5)}`,
    location: `Millbrook weir ${tag}`,
    reply: `Yes, it was me at the weir at six ${tag}`,
    question: `Were you the one on the bridge ${tag}?`,
  };
  const contributor = await contributorWithTip(
    t,
    { story: texts.story, name: texts.name, email: texts.email, phone: texts.phone, location: texts.location },
    { videos: options.videos ?? 2 },
  );
  await editor.post(`/api/tips/${contributor.id}/messages`).send({ body: texts.question }).expect(201);
  await contributor.post('/api/contributor/messages').send({ body: texts.reply }).expect(201);
  await editor
    .post(`/api/tips/${contributor.id}/notes`)
    .send({ body: `They told us: ${texts.reply}` })
    .expect(201);
  // Posters as media processing writes them (the jobs are off in tests): a blob under thumbnails/ named by the row.
  const store = t.app.get<BlobStore>(BLOB_STORE);
  const { rows } = await t.db.query<{ id: string; storage_key: string; sha256: string }>(
    'SELECT id, storage_key, sha256 FROM media WHERE tip_id = $1 ORDER BY id',
    [contributor.id],
  );
  const blobKeys: string[] = [];
  const posterSha256s: string[] = [];
  for (const media of rows) {
    const posterBytes = Buffer.from([0xff, 0xd8, 0xff, 0xe0, ...randomBytes(64)]);
    posterSha256s.push(createHash('sha256').update(posterBytes).digest('hex'));
    const poster = await store.writeTemporary(Readable.from([posterBytes]));
    const posterKey = `thumbnails/${media.id}.jpg`;
    await store.commit(poster.tempKey, posterKey);
    await t.db.query('UPDATE media SET thumbnail_key = $2 WHERE id = $1', [media.id, posterKey]);
    blobKeys.push(media.storage_key, posterKey);
  }
  return { contributor, texts, blobKeys, sha256s: rows.map((r) => r.sha256), posterSha256s };
}

/** Every row of every table in the database, each cast to text. */
export async function everyRowAsText(t: TestApp): Promise<{ table: string; row: string }[]> {
  const { rows: tables } = await t.db.query<{ table_schema: string; table_name: string }>(
    `SELECT table_schema, table_name FROM information_schema.tables
      WHERE table_schema NOT IN ('pg_catalog', 'information_schema') AND table_type = 'BASE TABLE' ORDER BY table_schema, table_name`,
  );
  const found: { table: string; row: string }[] = [];
  for (const { table_schema, table_name } of tables) {
    const { rows } = await t.db.query<{ row: string }>(`SELECT t::text AS row FROM "${table_schema}"."${table_name}" t`);
    for (const { row } of rows) found.push({ table: `${table_schema}.${table_name}`, row });
  }
  return found;
}

/** Where any of the texts still is: `table: text` for each hit (an empty list when nothing is left). */
export async function whereTextsRemain(t: TestApp, texts: PersonalTexts): Promise<string[]> {
  const rows = await everyRowAsText(t);
  const hits: string[] = [];
  for (const [field, text] of Object.entries(texts)) {
    for (const { table, row } of rows) if (row.includes(text)) hits.push(`${table}: ${field}`);
  }
  return hits;
}

/** `npm run cli -- ARGS` against the test app's data directory and key. */
export function runCli(t: TestApp, args: string[]): Promise<CliResult> {
  return runCliProcess(args, {
    DATABASE_URL: t.databaseUrl,
    DATA_DIR: t.dataDir,
    ENCRYPTION_KEY: t.encryptionKey.key.toString('base64'),
    // The test app hashes under the key derived from its encryption key; the CLI must too (it would pin DATA_DIR/hash.key and say so).
    HASH_KEY: derivedHashKey(t.encryptionKey.key).toString('base64'),
    LOG_LEVEL: 'warn',
  });
}

export function expectNoTexts(hits: string[]): void {
  expect(hits).toEqual([]);
}
