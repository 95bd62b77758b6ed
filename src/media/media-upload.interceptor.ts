import { Inject, Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import type { Request, RequestHandler, Response } from 'express';
import multer from 'multer';
import { catchError, type Observable } from 'rxjs';
import { AppConfig } from '../config/app-config.js';
import { checkMediaFormCsrf } from '../staff/access.guard.js';
import { BLOB_STORE, type BlobStore } from '../storage/blob-store.js';
import { StorageReserve } from '../storage/storage-reserve.js';
import { UploadQuota } from '../rate-limits/upload-quota.js';
import { Metrics } from '../metrics/metrics.js';
import { BlobStorageEngine, type UploadedMedia } from './blob-storage-engine.js';

// A tip form has about a dozen fields; anything far beyond that is a flood, not a tip.
// Bigger buffers than busboy's 16 KiB mean fewer hops per GiB (see bench/upload.mjs).
const STREAM_BUFFER_BYTES = 256 * 1024;
const FORM_LIMITS = { fields: 40, fieldNameSize: 100, fieldSize: 100_000, headerPairs: 20 };

declare module 'express' {
  interface Request {
    /** Set by a guard that will refuse this post once its fields are read: its files are skipped, never stored. */
    filesRefused?: boolean;
  }
}

/** The files a multipart post stored under temporary keys (none for a JSON post). */
export const uploadedMedia = (req: Request): UploadedMedia[] => (req.files ?? []) as unknown as UploadedMedia[];

/**
 * Reads a multipart tip post: text fields into `req.body`, files (field `files`) streamed into
 * the BlobStore under temporary keys. If anything later fails (validation, the database),
 * the temporary blobs are removed, so a failed request leaves nothing behind. A form that
 * carries its CSRF token as a field (CsrfInMediaForm) must send it before its first file.
 */
@Injectable()
export class MediaUploadInterceptor implements NestInterceptor {
  private readonly readMultipart: RequestHandler;

  constructor(
    @Inject(BLOB_STORE) private readonly store: BlobStore,
    config: AppConfig,
    metrics: Metrics,
    reserve: StorageReserve,
    quota: UploadQuota,
  ) {
    const maxFiles = config.MAX_FILES_PER_TIP;
    // highWaterMark/fileHwm are busboy options multer passes through (its types lag behind).
    const streamOptions = { highWaterMark: STREAM_BUFFER_BYTES, fileHwm: STREAM_BUFFER_BYTES } as multer.Options;
    this.readMultipart = multer({
      ...streamOptions,
      storage: new BlobStorageEngine(
        store,
        config.MAX_FILE_BYTES,
        (bytes) => metrics.uploadBytes.inc({ path: 'multipart' }, bytes),
        // The public's files count against their address group's day; the desk's (a phone tip's video) do not.
        (req) => (req.caller?.kind === 'staff' ? undefined : quota.meter(req.ip ?? 'unknown')),
      ),
      limits: { ...FORM_LIMITS, fileSize: config.MAX_FILE_BYTES, files: maxFiles, parts: FORM_LIMITS.fields + maxFiles },
      defParamCharset: 'utf8', // browsers send non-ASCII filenames as raw UTF-8
      fileFilter: (req, _file, accept) => {
        if ((req as Request).filesRefused) return accept(null, false);
        try {
          checkMediaFormCsrf(req); // before a single byte of the file is stored
        } catch (error) {
          return accept(error as Error);
        }
        // A story without files still arrives when storage is low; a file does not.
        reserve.assertRoomForNewUpload().then(() => accept(null, true), accept);
      },
    }).array('files', maxFiles);
  }

  async intercept(context: ExecutionContext, next: CallHandler): Promise<Observable<unknown>> {
    const req = context.switchToHttp().getRequest<Request>();
    const res = context.switchToHttp().getResponse<Response>();
    if (!req.is('multipart/form-data')) return next.handle();
    await new Promise<void>((resolve, reject) => this.readMultipart(req, res, (error?: unknown) => (error ? reject(error) : resolve())));
    const files = uploadedMedia(req);
    const discard = () => Promise.allSettled(files.map((file) => this.store.delete(file.tempKey)));
    try {
      checkMediaFormCsrf(req); // a form with no files still owes its token
    } catch (error) {
      await discard();
      throw error;
    }
    return next.handle().pipe(
      catchError(async (error: unknown) => {
        await discard();
        throw error;
      }),
    );
  }
}
