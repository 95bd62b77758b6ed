import type { EntityManager } from 'typeorm';
import type { MediaService, StagedMedia } from './media.service.js';
import type { UploadedMedia } from './blob-storage-engine.js';

/** A blob an intake holds under a temporary key until its tip's transaction takes it. */
export interface TemporaryBlob {
  tempKey: string;
}

/** What the work inside withStagedMedia gets: attach files to a tip, and hand over more temporary blobs. */
export class MediaIntake {
  readonly attached: StagedMedia[] = [];
  private readonly temporary = new Map<string, TemporaryBlob>();

  constructor(
    private readonly media: MediaService,
    files: readonly TemporaryBlob[],
  ) {
    this.hold(files);
  }

  /** More temporary blobs this intake now owns (finished tus uploads copied in, say). */
  hold(files: readonly TemporaryBlob[]): void {
    for (const file of files) this.temporary.set(file.tempKey, file);
  }

  /** Inserts the files' rows in the caller's transaction and moves their blobs to final keys (MediaService.attachToTip): call it after every other row of the intake (only its audit event may follow). */
  async attach(manager: EntityManager, tipId: string, files: UploadedMedia[]): Promise<StagedMedia[]> {
    const staged = await this.media.attachToTip(manager, tipId, files);
    this.attached.push(...staged);
    for (const file of files) this.temporary.delete(file.tempKey);
    return staged;
  }

  /** The temporary blobs nothing has attached. */
  get unattached(): TemporaryBlob[] {
    return [...this.temporary.values()];
  }
}

/**
 * The staged-media protocol every intake follows (tip form, JSON, multipart, tus, email,
 * WhatsApp, phone, late channel files): files arrive as temporary blobs; `work` opens the tip's
 * transaction and, last in it, attaches them (rows in, blobs to their final keys). If `work`
 * throws, every blob of the intake goes, temporary and final keys alike (a rolled-back row must
 * not leave its bytes behind); if it returns, the blobs it chose not to attach (a provider's
 * retried delivery, files over the limit, a replayed request) go.
 */
export async function withStagedMedia<T>(media: MediaService, files: readonly TemporaryBlob[], work: (intake: MediaIntake) => Promise<T>): Promise<T> {
  const intake = new MediaIntake(media, files);
  let result: T;
  try {
    result = await work(intake);
  } catch (error) {
    await media.discard([...intake.attached, ...intake.unattached]);
    throw error;
  }
  await media.discard(intake.unattached);
  return result;
}
