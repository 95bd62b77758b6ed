// The staged-media protocol (src/media/staged-media.ts), which every intake uses: what is left of
// an intake's blobs after its work fails or succeeds, on real storage and a real PostgreSQL.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Readable } from 'node:stream';
import type { UploadedMedia } from '../../src/media/blob-storage-engine.js';
import { MediaService } from '../../src/media/media.service.js';
import { withStagedMedia } from '../../src/media/staged-media.js';
import { BLOB_STORE, type BlobStore } from '../../src/storage/blob-store.js';
import { TipIntakeService } from '../../src/tips/tip-intake.service.js';
import { startServiceApp, type ServiceApp } from '../support/service-app.js';

let s: ServiceApp;
let store: BlobStore;
let media: MediaService;

beforeAll(async () => {
  s = await startServiceApp();
  store = s.module.get<BlobStore>(BLOB_STORE, { strict: false });
  media = s.get(MediaService);
});

afterAll(() => s?.close());

async function phoneTip(): Promise<string> {
  return s.dataSource.transaction(async (manager) => {
    const tip = await s.get(TipIntakeService).insertChannelTip(manager, { channel: 'phone', phone: '+447700900123', story: 'A call about the flood' });
    return tip.tipId;
  });
}

async function stagedFile(name: string): Promise<UploadedMedia> {
  const blob = await store.writeTemporary(Readable.from([Buffer.from(`bytes of ${name}`)]));
  return { ...blob, sniffedType: 'video/mp4', kind: 'video', displayFilename: name, declaredType: 'video/mp4' };
}

const exists = async (key: string) => (await store.stat(key)) !== null;

describe('withStagedMedia', () => {
  it('work that throws after attaching: no blob of the intake is left (temporary or final) and no media row', async () => {
    const tipId = await phoneTip();
    const files = [await stagedFile('a.mp4'), await stagedFile('b.mp4')];
    let finalKeys: string[] = [];
    await expect(
      withStagedMedia(media, files, (intake) =>
        s.dataSource.transaction(async (manager) => {
          finalKeys = (await intake.attach(manager, tipId, files)).map((staged) => staged.storageKey);
          throw new Error('the audit insert failed');
        }),
      ),
    ).rejects.toThrow('the audit insert failed');
    expect(finalKeys).toHaveLength(2);
    for (const key of [...files.map((f) => f.tempKey), ...finalKeys]) expect(await exists(key)).toBe(false);
    expect((await s.db.query('SELECT count(*)::int AS n FROM media WHERE tip_id = $1', [tipId])).rows[0].n).toBe(0);
  });

  it('work that throws before attaching: every temporary blob is removed, including those handed over later (hold)', async () => {
    const files = [await stagedFile('c.mp4')];
    const later = await stagedFile('d.mp4');
    await expect(
      withStagedMedia(media, files, async (intake) => {
        intake.hold([later]);
        throw new Error('validation failed');
      }),
    ).rejects.toThrow('validation failed');
    for (const key of [files[0].tempKey, later.tempKey]) expect(await exists(key)).toBe(false);
  });

  it('work that keeps only some files: those attached are under their final keys, the others are removed', async () => {
    const tipId = await phoneTip();
    const [kept, dropped] = [await stagedFile('e.mp4'), await stagedFile('f.mp4')];
    const staged = await withStagedMedia(media, [kept, dropped], (intake) => s.dataSource.transaction((manager) => intake.attach(manager, tipId, [kept])));
    expect(staged).toHaveLength(1);
    expect(await exists(staged[0].storageKey)).toBe(true);
    expect(await exists(kept.tempKey)).toBe(false);
    expect(await exists(dropped.tempKey)).toBe(false);
    expect((await s.db.query('SELECT count(*)::int AS n FROM media WHERE tip_id = $1', [tipId])).rows[0].n).toBe(1);
  });
});
