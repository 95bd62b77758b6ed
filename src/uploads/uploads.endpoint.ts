import { HttpStatus, Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { EVENTS, Server } from '@tus/server';
import type { NextFunction, Request, Response } from 'express';
import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config.js';
import { DomainError } from '../http/errors.js';
import { describeError } from '../http/exception.filter.js';
import { StorageReserveReachedError } from '../storage/blob-store.js';
import { ROUTE_TEMPLATE } from '../http/request-context.js';
import { LOGGER } from '../logging/logger.js';
import { Metrics } from '../metrics/metrics.js';
import { StorageReserve } from '../storage/storage-reserve.js';
import { RateLimitsService } from '../rate-limits/rate-limits.service.js';
import { UploadQuota } from '../rate-limits/upload-quota.js';
import { addressGroup } from '../network/ip-addresses.js';
import { POW_HEADER } from '../pow/pow.errors.js';
import { PowService } from '../pow/pow.service.js';
import { PostgresLocker } from './postgres-locker.js';
import { RunningHashes } from './running-hashes.js';
import { RequestsInFlight, watchBodyPace } from './upload-request-limits.js';
import { TUS_STORE, type TusStore } from './tus-store.js';
import { UploadsService } from './uploads.service.js';

/** The tus 1.0 endpoint (creation, termination, expiration). Served outside Nest's router: see app-setup.ts. */
export const UPLOADS_PATH = '/api/uploads';

const TUS_ERROR_CODES: Record<number, string> = {
  400: 'UPLOAD_BAD_REQUEST',
  403: 'FORBIDDEN',
  404: 'UPLOAD_NOT_FOUND',
  409: 'UPLOAD_OFFSET_CONFLICT',
  410: 'UPLOAD_EXPIRED',
  412: 'TUS_VERSION_REQUIRED',
  413: 'UPLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  423: 'UPLOAD_LOCKED',
  429: 'RATE_LIMITED',
  460: 'UPLOAD_CHECKSUM_MISMATCH',
};

/** Our JSON error body, as the exception filter writes it, for an answer tus sends itself. */
function errorBody(statusCode: number, code: string, message: string, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ statusCode, error: STATUS_CODES[statusCode] ?? 'Error', code, message, ...extra });
}

/**
 * The tus server mounted on the Express instance ahead of the body parsers (it reads the raw
 * request stream itself). Public: a contributor uploads before any tip exists; the upload ids
 * are random UUIDs the server chooses, and an id is the only key to an upload.
 */
@Injectable()
export class UploadsEndpoint implements OnApplicationShutdown {
  private readonly server: Server;
  private readonly locker: PostgresLocker;
  private draining = false;
  private inFlight = 0;
  private idle?: () => void;
  private readonly inFlightByClient: RequestsInFlight;

  private readonly logger: Logger;
  constructor(
    private readonly config: AppConfig,
    private readonly uploads: UploadsService,
    private readonly rateLimits: RateLimitsService,
    @Inject(TUS_STORE) tus: TusStore,
    @Inject(LOGGER) logger: Logger,
    dataSource: DataSource,
    hashes: RunningHashes,
    private readonly metrics: Metrics,
    private readonly reserve: StorageReserve,
    private readonly quota: UploadQuota,
    private readonly pow: PowService,
  ) {
    this.logger = logger.child({ component: 'tus' });
    this.inFlightByClient = new RequestsInFlight(config.UPLOADS_CONCURRENT_PER_CLIENT);
    const databaseUrl = (dataSource.options as { url?: string }).url;
    if (!databaseUrl) throw new Error('UploadsEndpoint needs the database URL');
    // Locks in PostgreSQL, not in this process's memory: a resume may land on any app process.
    this.locker = new PostgresLocker({
      databaseUrl,
      acquireLockTimeoutMs: 30_000,
      logger,
    });
    // Hashed on the way in: the finish of a big upload then needs no second read of it.
    const datastore = hashes.wrap(tus.datastore);
    const write = datastore.write.bind(datastore);
    datastore.write = async (source, id, offset) => {
      const newOffset = await write(source, id, offset);
      metrics.uploadBytes.inc({ path: 'tus' }, newOffset - offset);
      return newOffset;
    };
    this.server = new Server({
      path: UPLOADS_PATH,
      datastore,
      locker: this.locker,
      // Our ids only: a client-chosen name never reaches the store.
      namingFunction: () => randomUUID(),
      maxSize: config.MAX_FILE_BYTES,
      relativeLocation: true,
      // A finished upload belongs to the tip it will be attached to; the contributor cannot pull it away mid-attach.
      disableTerminationForFinishedUploads: true,
      onUploadCreate: async (_req, upload) => {
        await this.uploads.recordCreated(upload.id, upload.size ?? 0, upload.metadata?.filename ?? upload.metadata?.name);
        return {};
      },
      onUploadFinish: async (_req, upload) => {
        try {
          await this.uploads.finish(upload.id, upload.size ?? upload.offset);
        } catch (error) {
          if (error instanceof DomainError) throw { status_code: error.status, body: errorBody(error.status, error.code, error.message) };
          throw error;
        }
        return {};
      },
      onResponseError: (_req, error) => this.toJsonError(error),
    });
    this.server.on(EVENTS.POST_TERMINATE, (_req, _res, id) => {
      this.uploads.forgetTerminated(id).catch((err: unknown) => this.logger.error({ err, uploadId: id }, 'could not forget a terminated upload'));
    });
  }

  /** True for the tus endpoint and every upload URL under it. */
  matches(path: string): boolean {
    const normalised = path.toLowerCase().replace(/\/+$/, '');
    return normalised === UPLOADS_PATH || normalised.startsWith(`${UPLOADS_PATH}/`);
  }

  /** Express middleware: tus requests are answered here; anything else goes on to Nest. */
  middleware() {
    return (req: Request, res: Response, next: NextFunction) => {
      if (!this.matches(req.path)) return next();
      // The access line and metrics name the route, never the upload id (the key to an upload).
      res.locals[ROUTE_TEMPLATE] = req.path.toLowerCase().replace(/\/+$/, '') === UPLOADS_PATH ? UPLOADS_PATH : `${UPLOADS_PATH}/:id`;
      this.handle(req, res).catch(next);
    };
  }

  /**
   * Shutdown, first step: new tus requests get 503 (clients retry, and land on another process
   * or on this one restarted); those in flight get `graceMs` to finish, then are asked to stop,
   * which keeps every byte received so far: the uploads resume where they stopped.
   */
  async drain(graceMs: number): Promise<void> {
    this.draining = true;
    if (await this.settled(graceMs)) return;
    this.logger.info({ uploads: this.inFlight }, 'uploads still in flight after the grace period: stopping them (they can resume)');
    this.locker.releaseAll();
    // tus stops a released request after its lock-drain delay (3 s) and answers it with the new offset.
    if (!(await this.settled(10_000))) this.logger.warn({ uploads: this.inFlight }, 'uploads did not stop in time');
  }

  private settled(withinMs: number): Promise<boolean> {
    if (this.inFlight === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), withinMs);
      this.idle = () => {
        clearTimeout(timer);
        resolve(true);
      };
    });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.locker.close();
  }

  private async handle(req: Request, res: Response): Promise<void> {
    if (this.draining) {
      res.status(HttpStatus.SERVICE_UNAVAILABLE).set({ 'Tus-Resumable': '1.0.0', 'Content-Type': 'application/json', 'Retry-After': '5', Connection: 'close' });
      res.send(errorBody(HttpStatus.SERVICE_UNAVAILABLE, 'SHUTTING_DOWN', 'This server is restarting; your upload will carry on in a moment.'));
      return;
    }
    // A client's requests in flight are capped (issue 15): one address group cannot tie up a
    // process's sockets and locks. OPTIONS is a preflight with no upload behind it.
    const group = addressGroup(req.ip ?? 'unknown', this.config.RATE_LIMIT_IPV6_PREFIX);
    const counted = req.method !== 'OPTIONS';
    if (counted && !this.inFlightByClient.enter(group)) {
      res.status(HttpStatus.TOO_MANY_REQUESTS).set({ 'Tus-Resumable': '1.0.0', 'Content-Type': 'application/json', 'Retry-After': '5' });
      res.send(
        errorBody(
          HttpStatus.TOO_MANY_REQUESTS,
          'TOO_MANY_UPLOADS_AT_ONCE',
          `Your connection already has ${this.config.UPLOADS_CONCURRENT_PER_CLIENT} upload requests under way; this one can go once one of them is done.`,
        ),
      );
      return;
    }
    // The count leaves with the response, or with the connection if the client goes first.
    let left = !counted;
    const leave = () => {
      if (left) return;
      left = true;
      this.inFlightByClient.leave(group);
    };
    res.once('close', leave);
    this.inFlight++;
    const carriesBytes = req.method === 'PATCH';
    const stopWatching = carriesBytes ? this.cutWhenSlow(req) : () => undefined;
    if (carriesBytes) this.metrics.tusInFlight.inc();
    try {
      await this.handleTus(req, res);
    } finally {
      stopWatching();
      leave();
      if (carriesBytes) this.metrics.tusInFlight.dec();
      if (--this.inFlight === 0) this.idle?.();
    }
  }

  /**
   * A PATCH body slower than UPLOAD_MIN_BYTES_PER_SECOND over a window is cut: its connection is
   * closed, tus keeps what was written (the stored offset, which HEAD answers) and the client resumes.
   */
  private cutWhenSlow(req: Request): () => void {
    const options = { minBytesPerSecond: this.config.UPLOAD_MIN_BYTES_PER_SECOND, windowSeconds: this.config.UPLOAD_MIN_BYTES_WINDOW_SECONDS };
    const stop = watchBodyPace(req, options, (received) => {
      this.logger.info({ event: 'upload.slow_body_cut', receivedInWindow: received, ...options }, 'a tus PATCH too slow for the minimum rate was cut');
      req.socket.destroy();
    });
    req.socket.once('close', stop);
    return () => {
      stop();
      req.socket.off('close', stop);
    };
  }

  private async handleTus(req: Request, res: Response): Promise<void> {
    if (req.method === 'POST') {
      // Each new upload counts against the client's hourly limit; its chunks (PATCH) do not.
      try {
        const creations = await this.rateLimits.hit(
          { purpose: 'uploads', limit: this.config.UPLOADS_PER_HOUR, windowSeconds: 3600, tooMany: 'Too many uploads from your connection.' },
          req.ip ?? 'unknown',
        );
        // Past the soft threshold a creation carries a proof of work, as a tip post does.
        if (this.pow.requiredForUpload(creations)) await this.pow.accept(req.header(POW_HEADER));
        // A new upload only: PATCHes of uploads under way go on, so nobody loses a half-sent video.
        await this.reserve.assertRoomForNewUpload();
        // The whole declared length counts against the client's day at creation (no
        // creation-defer-length here), so the chunks that follow need no counting.
        const length = this.declaredLength(req);
        if (length !== undefined) await this.quota.charge(req.ip ?? 'unknown', length);
      } catch (error) {
        if (!(error instanceof DomainError) && !(error instanceof StorageReserveReachedError)) throw error;
        const { statusCode, code, message, headers } = describeError(error);
        res.status(statusCode).set({ ...headers, 'Tus-Resumable': '1.0.0', 'Content-Type': 'application/json' });
        res.send(errorBody(statusCode, code, message));
        return;
      }
    }
    res.setHeader('Cache-Control', 'no-store');
    answerErrorsAsJson(res);
    await this.server.handle(req, res);
  }

  /** Upload-Length when tus will accept it; anything else tus refuses itself (400, 413), uncounted. */
  private declaredLength(req: Request): number | undefined {
    const header = req.header('upload-length');
    if (!header || !/^\d{1,16}$/.test(header)) return undefined;
    const length = Number(header);
    return length <= this.config.MAX_FILE_BYTES ? length : undefined;
  }

  private toJsonError(error: Error | { status_code: number; body: string }): { status_code: number; body: string } {
    const tusError = error as { status_code?: number; body?: string };
    const status = tusError.status_code ?? HttpStatus.INTERNAL_SERVER_ERROR;
    if (tusError.body?.startsWith('{')) return { status_code: status, body: tusError.body };
    if (status >= 500) {
      const errorId = randomUUID();
      this.logger.error({ err: error, errorId }, 'tus upload failed');
      return { status_code: status, body: errorBody(status, 'INTERNAL_ERROR', 'Something went wrong with this upload; please try again.', { errorId }) };
    }
    const message = (tusError.body ?? STATUS_CODES[status] ?? 'Error').trim();
    return { status_code: status, body: errorBody(status, TUS_ERROR_CODES[status] ?? 'UPLOAD_ERROR', message) };
  }
}

/**
 * tus labels every body text/plain; its error bodies are ours (JSON, from toJsonError), so name
 * them so. @tus/server writes through srvx, which passes writeHead a flat [name, value, …] list.
 */
function answerErrorsAsJson(res: Response): void {
  const writeHead = res.writeHead.bind(res) as (status: number, ...rest: unknown[]) => Response;
  res.writeHead = ((status: number, ...rest: unknown[]) => {
    const raw = rest.find((arg): arg is string[] => Array.isArray(arg));
    if (status >= 400 && raw) {
      for (let i = 0; i + 1 < raw.length; i += 2) {
        if (String(raw[i]).toLowerCase() === 'content-type') raw[i + 1] = 'application/json; charset=utf-8';
      }
    }
    return writeHead(status, ...rest);
  }) as typeof res.writeHead;
}
