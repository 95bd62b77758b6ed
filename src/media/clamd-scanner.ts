import { connect, type Socket } from 'node:net';
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/** What clamd said about one stream. */
export type ScanVerdict =
  | { result: 'clean' }
  | { result: 'infected'; signature: string }
  /** clamd refused the stream as longer than its StreamMaxLength: not scanned, never "clean". */
  | { result: 'too_large' };

/** The scanner could not give a verdict (the job is retried): a stable code, never clamd's raw text in a user's view. */
export class VirusScanError extends Error {
  constructor(
    readonly code: 'CLAMD_UNREACHABLE' | 'CLAMD_TIMEOUT' | 'CLAMD_ERROR' | 'CLAMD_CLOSED',
    message: string,
  ) {
    super(message);
    this.name = 'VirusScanError';
  }
}

/** A virus scanner of streams (clamd in production and in the tests, through a real TCP peer). */
export interface VirusScanner {
  scan(source: Readable): Promise<ScanVerdict>;
}

export const VIRUS_SCANNER = Symbol('VirusScanner');

// A reply is one short line ("stream: Eicar-Signature FOUND"); anything longer is not clamd.
const REPLY_MAX_BYTES = 4096;

/** Reads clamd's reply to one `z`-command: the text up to its NUL, or to the end of the connection. */
export function parseClamdReply(reply: string): ScanVerdict {
  const line = reply.replace(/\0[\s\S]*$/, '').trim();
  if (line === 'stream: OK') return { result: 'clean' };
  const found = /^stream: (.+) FOUND$/.exec(line);
  if (found) return { result: 'infected', signature: found[1].slice(0, 200) };
  if (/INSTREAM size limit exceeded/i.test(line)) return { result: 'too_large' };
  throw new VirusScanError('CLAMD_ERROR', `clamd answered ${JSON.stringify(line.slice(0, 200))}`);
}

/** Frames a byte stream as INSTREAM chunks: each prefixed by its length (4 bytes, big-endian), then a zero-length chunk. */
export class InstreamFramer extends Transform {
  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    // An empty chunk would be read as the end of the stream.
    if (chunk.length === 0) return callback();
    const length = Buffer.alloc(4);
    length.writeUInt32BE(chunk.length);
    this.push(length);
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    callback(null, Buffer.alloc(4));
  }
}

/**
 * clamd's INSTREAM over TCP, written here rather than taken from npm: `clamscan` 2.4 (the most
 * used) writes every chunk to the socket from an on('data') handler without waiting for drain, so
 * a 2 GB file read faster than clamd consumes it piles up in memory; `clamdjs` 1.0 pipes properly
 * but turns clamd's early "size limit exceeded" reply into a generic rejection and leaves the
 * socket open when the source fails; `clamav.js` 0.12 is callback-only with no timeout. The
 * protocol is small: this client streams through `pipeline` (clamd's backpressure reaches the
 * blob stream), reads an early reply as the answer, and fails with a code after
 * CLAMAV_TIMEOUT_SECONDS of silence.
 */
export class ClamdScanner implements VirusScanner {
  constructor(
    private readonly host: string,
    private readonly port: number,
    private readonly timeoutMs: number,
  ) {}

  async scan(source: Readable): Promise<ScanVerdict> {
    let socket: Socket;
    try {
      socket = await this.open();
    } catch (error) {
      source.destroy();
      throw error;
    }
    try {
      const reply = this.readReply(socket);
      socket.write('zINSTREAM\0');
      // end: false: clamd answers on the open connection; a half-close before the reply is not wanted.
      const sent = pipeline(source, new InstreamFramer(), socket, { end: false });
      const [sending, answer] = await Promise.allSettled([sent, reply]);
      // clamd may answer before it has read everything (its size limit) and close: the answer wins.
      if (answer.status === 'fulfilled') return parseClamdReply(answer.value);
      if (sending.status === 'rejected' && !(sending.reason instanceof VirusScanError) && !isSocketError(sending.reason)) throw sending.reason;
      throw answer.reason;
    } finally {
      socket.destroy();
      source.destroy();
    }
  }

  private open(): Promise<Socket> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: this.host, port: this.port });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new VirusScanError('CLAMD_TIMEOUT', `clamd at ${this.host}:${this.port} did not accept a connection in time`));
      }, this.timeoutMs);
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.removeAllListeners('error');
        resolve(socket);
      });
      socket.once('error', (error: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        reject(new VirusScanError('CLAMD_UNREACHABLE', `clamd at ${this.host}:${this.port} is unreachable (${error.code ?? error.message})`));
      });
    });
  }

  /** The reply, up to its NUL; rejects when clamd stays silent too long or closes without a word. */
  private readReply(socket: Socket): Promise<string> {
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      let settled = false;
      const done = (error?: Error) => {
        if (settled) return;
        settled = true;
        socket.setTimeout(0);
        socket.removeListener('data', onData);
        if (error) return reject(error);
        resolve(Buffer.concat(chunks).toString('utf8'));
        // An early answer (its size limit) ends the conversation: stop sending.
        socket.destroy();
      };
      const onData = (chunk: Buffer) => {
        chunks.push(chunk);
        size += chunk.length;
        if (chunk.includes(0) || size > REPLY_MAX_BYTES) done();
      };
      socket.on('data', onData);
      // Idle time: neither reading what we send (backpressure) nor answering after the last chunk.
      socket.setTimeout(this.timeoutMs, () => {
        done(new VirusScanError('CLAMD_TIMEOUT', `clamd was silent for ${this.timeoutMs / 1000} s`));
        socket.destroy();
      });
      socket.on('error', () => undefined);
      socket.once('close', () => {
        if (size > 0) return done();
        done(new VirusScanError('CLAMD_CLOSED', 'clamd closed the connection without an answer'));
      });
    });
  }
}

function isSocketError(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  // ECANCELED: Node 24 fails a write still queued on a socket we destroyed (clamd's timeout) with it.
  return code === 'EPIPE' || code === 'ECONNRESET' || code === 'ECANCELED' || code === 'ERR_STREAM_PREMATURE_CLOSE' || code === 'ERR_STREAM_DESTROYED';
}
