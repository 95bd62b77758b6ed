import { Inject, Injectable } from '@nestjs/common';
import { execFile } from 'node:child_process';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Logger } from 'pino';
import { AppConfig } from '../config/app-config.js';
import { LOGGER } from '../logging/logger.js';
import { BLOB_STORE, type BlobStore } from '../storage/blob-store.js';
import type { MediaKind } from './media.entities.js';
import { probeFromFfprobe, type FfprobeOutput, type MediaProbe } from './media-probe.js';
import { MediaRepository } from './media.repository.js';

const THUMBNAIL_WIDTH = 320;

/** A failure with a stable code: the job's output and the dead-letter list show the code, never a path or a name. */
export class MediaProcessingError extends Error {
  constructor(
    readonly code: 'MEDIA_UNREADABLE' | 'MEDIA_TIMEOUT' | 'MEDIA_TOO_LARGE' | 'THUMBNAIL_FAILED' | 'TOOL_MISSING',
    message: string,
  ) {
    super(message);
    this.name = 'MediaProcessingError';
  }
}

/** Whether `prlimit` (util-linux) runs here: asked once a process. */
let prlimitPresent: Promise<boolean> | undefined;
function hasPrlimit(): Promise<boolean> {
  prlimitPresent ??= new Promise((resolve) => execFile('prlimit', ['--version'], { timeout: 5000 }, (error) => resolve(!error)));
  return prlimitPresent;
}

/**
 * Reads what a stored file says about itself (ffprobe for video and audio, EXIF for photos) and
 * makes its poster frame. The media row is only ever added to: a failure leaves the file as it was.
 */
@Injectable()
export class MediaProcessingService {
  private readonly logger: Logger;

  constructor(
    private readonly repository: MediaRepository,
    private readonly config: AppConfig,
    @Inject(BLOB_STORE) private readonly store: BlobStore,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.logger = logger.child({ component: 'media-processing' });
  }

  /** Media still waiting to be processed, committed before `before` (for the sweep that catches a lost enqueue). */
  async storedBefore(before: Date, limit = 500): Promise<string[]> {
    return this.repository.storedBefore(before, limit);
  }

  /** Probes one media file and stores its facts and thumbnail; throws MediaProcessingError when the file cannot be read. */
  async process(mediaId: string): Promise<'ready' | 'skipped' | 'unprobed'> {
    const media = await this.repository.processTarget(mediaId);
    // Gone with its tip, rejected, or done by another process already.
    if (!media || media.state !== 'stored') return 'skipped';
    const dir = await mkdtemp(join(tmpdir(), 'tipdesk-media-'));
    try {
      // ffprobe and ffmpeg read the local blob where it is; from S3 it is copied down first.
      let input = await this.store.localPath(media.storageKey);
      if (!input) {
        input = join(dir, 'input');
        await pipeline(await this.store.read(media.storageKey), createWriteStream(input));
      }
      let probe: MediaProbe;
      try {
        probe = media.kind === 'image' ? await this.readPhoto(input) : await this.probe(input);
        this.checkPixels(probe);
      } catch (error) {
        // The same file is as large on every try: no retry, the desk is told at once.
        if (!(error instanceof MediaProcessingError) || error.code !== 'MEDIA_TOO_LARGE') throw error;
        await this.markUnprobed(media.id, error.code);
        return 'unprobed';
      }
      const thumbnailKey = media.kind === 'audio' ? null : await this.thumbnail(media.id, media.kind, input, join(dir, 'poster.jpg'), probe);
      let updated: boolean;
      try {
        updated = await this.repository.markReady(media.id, probe, thumbnailKey);
      } catch (error) {
        // The database went away between the poster and its row (the soak's restart left posters no
        // row named): the poster goes unless the row names it after all; the job is retried anyway.
        if (thumbnailKey) await this.deletePosterUnlessNamed(media.id, thumbnailKey);
        throw error;
      }
      // Rejected or deleted while we worked: its poster belongs to nothing (unless the row already names it).
      if (!updated && thumbnailKey) {
        if ((await this.repository.thumbnailKey(media.id)) !== thumbnailKey) await this.store.delete(thumbnailKey);
      }
      return updated ? 'ready' : 'skipped';
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  /**
   * Runs ffprobe or ffmpeg on an untrusted file, bounded: local files only (`-protocol_whitelist
   * file,pipe`, so a playlist inside a file cannot fetch a URL), `-threads`, a memory ceiling
   * (`prlimit --as`, else `-max_alloc`), and a timeout after which the tool is killed.
   */
  private async run(binary: string, args: string[]): Promise<string> {
    const c = this.config;
    const threads = String(c.MEDIA_TOOL_THREADS);
    const bounded = ['-protocol_whitelist', 'file,pipe', '-threads', threads, ...args];
    const prlimit = await hasPrlimit();
    const [command, commandArgs] = prlimit
      ? ['prlimit', [`--as=${c.MEDIA_TOOL_MEMORY_BYTES}`, binary, ...bounded]]
      : [binary, ['-max_alloc', String(c.MEDIA_TOOL_MEMORY_BYTES), ...bounded]];
    return new Promise((resolve, reject) => {
      execFile(
        command,
        commandArgs,
        { timeout: c.MEDIA_TOOL_TIMEOUT_SECONDS * 1000, killSignal: 'SIGKILL', maxBuffer: 4 * 1024 * 1024 },
        (error, stdout, stderr) => {
          if (!error) return resolve(stdout);
          // prlimit reports a binary it could not start with exit code 127 and says so on stderr.
          const missing = (error as NodeJS.ErrnoException).code === 'ENOENT' || (prlimit && /failed to execute/.test(stderr));
          if (missing) return reject(new MediaProcessingError('TOOL_MISSING', `${binary} is not installed (apt-get install -y ffmpeg)`));
          if (error.killed) return reject(new MediaProcessingError('MEDIA_TIMEOUT', `${binary} ran longer than ${c.MEDIA_TOOL_TIMEOUT_SECONDS} s`));
          reject(error);
        },
      );
    });
  }

  /** A frame larger than MEDIA_MAX_PIXELS is never decoded (a small file can claim 16,000 × 16,000 pixels). */
  private checkPixels(probe: MediaProbe): void {
    if (probe.width && probe.height && probe.width * probe.height > this.config.MEDIA_MAX_PIXELS) {
      throw new MediaProcessingError('MEDIA_TOO_LARGE', 'the frame has more pixels than MEDIA_MAX_PIXELS');
    }
  }

  /** Processing gave up: the file stays (and is served); the desk says it could not be read. */
  async markUnprobed(mediaId: string, code: string): Promise<void> {
    await this.repository.markUnprobed(mediaId, code.slice(0, 50));
  }

  private async probe(path: string): Promise<MediaProbe> {
    let stdout: string;
    try {
      stdout = await this.run(this.config.FFPROBE_PATH, ['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', path]);
    } catch (error) {
      if (error instanceof MediaProcessingError) throw error;
      throw new MediaProcessingError('MEDIA_UNREADABLE', 'ffprobe could not read the file');
    }
    const probe = probeFromFfprobe(JSON.parse(stdout) as FfprobeOutput);
    if (probe.duration === undefined && probe.width === undefined && !probe.audioCodec) {
      throw new MediaProcessingError('MEDIA_UNREADABLE', 'ffprobe found no playable stream');
    }
    return probe;
  }

  private async readPhoto(path: string): Promise<MediaProbe> {
    const probe: MediaProbe = {};
    // The header's own size (EXIF can say anything), for the pixel ceiling; a photo ffprobe cannot
    // read (HEIC on older builds) is still a photo, only without a poster.
    const frame = await this.probe(path).catch((error: unknown) => {
      if (error instanceof MediaProcessingError && error.code !== 'MEDIA_UNREADABLE') throw error;
      return undefined;
    });
    // A photo without EXIF (or with a broken block) is still a photo: what EXIF lacks stays unknown.
    // Loaded with the first photo (most media are videos).
    const { default: exifr } = await import('exifr');
    if (frame?.width && frame.height) {
      probe.width = frame.width;
      probe.height = frame.height;
    }
    const exif = await exifr.parse(path, { tiff: true, exif: true, gps: true, xmp: false, icc: false, iptc: false }).catch(() => undefined);
    if (!exif) return probe;
    const taken = exif.DateTimeOriginal ?? exif.CreateDate ?? exif.ModifyDate;
    if (taken instanceof Date && !Number.isNaN(taken.getTime())) probe.capturedAt = taken.toISOString();
    if (Number.isFinite(exif.latitude) && Number.isFinite(exif.longitude)) probe.gps = { latitude: exif.latitude, longitude: exif.longitude };
    const camera = [exif.Make, exif.Model]
      .filter((v) => typeof v === 'string' && v.trim())
      .map((v: string) => v.trim())
      .join(' ');
    if (camera) probe.camera = camera.slice(0, 100);
    if (!probe.width && Number.isInteger(exif.ExifImageWidth) && Number.isInteger(exif.ExifImageHeight)) {
      probe.width = exif.ExifImageWidth;
      probe.height = exif.ExifImageHeight;
    }
    return probe;
  }

  /**
   * Asks the row a few times over about ten seconds (a restarting database is back within that),
   * since a failed UPDATE may still have committed; a poster that stays unnamed is the orphan
   * sweep's if the database never answers.
   */
  private async deletePosterUnlessNamed(mediaId: string, key: string): Promise<void> {
    for (const delayMs of [0, 250, 500, 1000, 2000, 3000, 4000]) {
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      try {
        if ((await this.repository.thumbnailKey(mediaId)) !== key) await this.store.delete(key);
        return;
      } catch {
        // Still unreachable: try again.
      }
    }
    this.logger.warn({ mediaId }, 'a poster whose row could not be updated is left for the orphan sweep');
  }

  /** A small JPEG poster under `thumbnails/<id>.jpg`; a photo without one is still ready. */
  private async thumbnail(mediaId: string, kind: MediaKind, input: string, output: string, probe: MediaProbe): Promise<string | null> {
    // One second in (a phone video's first frame is often black), or the first frame of a short clip.
    const at = kind === 'video' && (probe.duration ?? 0) > 2 ? ['-ss', '1'] : [];
    try {
      await this.run(this.config.FFMPEG_PATH, [
        '-v',
        'error',
        '-nostdin',
        '-y',
        '-filter_threads',
        String(this.config.MEDIA_TOOL_THREADS),
        ...at,
        '-i',
        input,
        '-frames:v',
        '1',
        '-vf',
        `scale='min(${THUMBNAIL_WIDTH},iw)':-2`,
        '-q:v',
        '5',
        '-f',
        'image2',
        output,
      ]);
      if (!(await stat(output)).size) throw new Error('empty poster');
    } catch (error) {
      if (kind === 'image') return null;
      if (error instanceof MediaProcessingError) throw error;
      throw new MediaProcessingError('THUMBNAIL_FAILED', 'ffmpeg could not grab a frame');
    }
    const key = `thumbnails/${mediaId}.jpg`;
    const blob = await this.store.writeTemporary(createReadStream(output));
    await this.store.commit(blob.tempKey, key);
    return key;
  }
}
