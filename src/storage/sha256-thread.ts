import { Worker } from 'node:worker_threads';

// SHA-256 off the main thread (issue 17: hashing a 1 GiB upload cost the event loop ~0.7 s of its
// ~3.4 s). Bytes are copied into a few fixed batch buffers per hash, transferred to one worker
// thread (zero-copy) and handed back once hashed, so memory per hash is bounded by
// BATCHES_PER_HASH × BATCH_BYTES however slow the worker is: a full set waits for one to return.
const BATCH_BYTES = 1024 * 1024;
const BATCHES_PER_HASH = 4;
// A process that stopped uploading gives the thread's memory back.
const IDLE_STOP_MS = 30_000;

// Plain JavaScript run with `eval`: the worker needs no file of its own beside the compiled code
// (nor one that Jest, which runs the TypeScript, would have to find).
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const hashes = new Map();
parentPort.on('message', (m) => {
  if (m.op === 'update') {
    let hash = hashes.get(m.id);
    if (!hash) hashes.set(m.id, (hash = createHash('sha256')));
    hash.update(new Uint8Array(m.buffer, 0, m.length));
    parentPort.postMessage({ op: 'returned', id: m.id, buffer: m.buffer }, [m.buffer]);
  } else if (m.op === 'digest') {
    const hash = hashes.get(m.id) ?? createHash('sha256');
    hashes.delete(m.id);
    parentPort.postMessage({ op: 'digest', id: m.id, hex: hash.digest('hex') });
  } else if (m.op === 'forget') {
    hashes.delete(m.id);
  }
});
`;

type FromWorker = { op: 'returned'; id: number; buffer: ArrayBuffer } | { op: 'digest'; id: number; hex: string };

/** One SHA-256 computed on the shared hashing thread. Call update() in order, then digest() once. */
export interface OffThreadHash {
  /** Copies `chunk` for hashing; the promise (when there is one) resolves once there is room for more. */
  update(chunk: Uint8Array): Promise<void> | undefined;
  digest(): Promise<string>;
  /** For an abandoned stream: frees the worker's state. */
  forget(): void;
  /** Bytes copied and not yet handed back by the worker (never more than BATCHES_PER_HASH × BATCH_BYTES). */
  readonly bytesInFlight: number;
}

class HashOnThread implements OffThreadHash {
  private readonly free: ArrayBuffer[] = [];
  private batch: Buffer | undefined;
  private filled = 0;
  private owned = 0;
  private waitingForBuffer: { resolve: () => void; reject: (error: Error) => void } | undefined;
  private digested: { resolve: (hex: string) => void; reject: (error: Error) => void } | undefined;
  private failure: Error | undefined;
  private reachedThread = false;
  bytesInFlight = 0;

  constructor(
    private readonly thread: Sha256Thread,
    readonly id: number,
  ) {}

  update(chunk: Uint8Array): Promise<void> | undefined {
    if (this.failure) return Promise.reject(this.failure);
    let offset = 0;
    while (offset < chunk.length) {
      if (!this.batch) {
        const buffer = this.takeBuffer();
        if (!buffer) return this.bufferReturned().then(() => this.update(chunk.subarray(offset)));
        this.batch = Buffer.from(buffer);
        this.filled = 0;
      }
      const copied = Math.min(chunk.length - offset, BATCH_BYTES - this.filled);
      this.batch.set(chunk.subarray(offset, offset + copied), this.filled);
      this.filled += copied;
      offset += copied;
      if (this.filled === BATCH_BYTES) this.send();
    }
    return undefined;
  }

  async digest(): Promise<string> {
    if (this.failure) throw this.failure;
    if (this.batch && this.filled > 0) this.send();
    const hex = new Promise<string>((resolve, reject) => (this.digested = { resolve, reject }));
    this.reachedThread = true;
    this.thread.post({ op: 'digest', id: this.id });
    return hex;
  }

  forget(): void {
    // A stream refused before its first batch never reached the thread: no need to start it now.
    if (this.reachedThread) this.thread.post({ op: 'forget', id: this.id });
    this.thread.release(this.id);
  }

  /** @internal a message from the worker about this hash */
  receive(message: FromWorker): void {
    if (message.op === 'returned') {
      this.bytesInFlight -= BATCH_BYTES;
      this.free.push(message.buffer);
      const waiting = this.waitingForBuffer;
      this.waitingForBuffer = undefined;
      waiting?.resolve();
    } else {
      this.thread.release(this.id);
      this.digested?.resolve(message.hex);
    }
  }

  /** @internal the thread died: nothing can finish this hash, so its stream fails instead of hanging. */
  fail(error: Error): void {
    this.failure = error;
    this.waitingForBuffer?.reject(error);
    this.digested?.reject(error);
  }

  private send(): void {
    this.reachedThread = true;
    const buffer = this.batch!.buffer as ArrayBuffer;
    this.thread.post({ op: 'update', id: this.id, buffer, length: this.filled }, [buffer]);
    this.batch = undefined;
    this.filled = 0;
  }

  private takeBuffer(): ArrayBuffer | undefined {
    const reused = this.free.pop();
    if (reused) {
      this.bytesInFlight += BATCH_BYTES;
      return reused;
    }
    if (this.owned === BATCHES_PER_HASH) return undefined;
    this.owned++;
    this.bytesInFlight += BATCH_BYTES;
    return new ArrayBuffer(BATCH_BYTES);
  }

  private bufferReturned(): Promise<void> {
    return new Promise((resolve, reject) => (this.waitingForBuffer = { resolve, reject }));
  }
}

/** The process's hashing thread, started with the first hash and stopped after a quiet while. */
export class Sha256Thread {
  private static instance: Sha256Thread | undefined;
  private worker: Worker | undefined;
  private readonly open = new Map<number, HashOnThread>();
  private nextId = 1;
  private idleTimer: NodeJS.Timeout | undefined;

  static shared(): Sha256Thread {
    return (Sha256Thread.instance ??= new Sha256Thread());
  }

  hash(): OffThreadHash {
    clearTimeout(this.idleTimer);
    const job = new HashOnThread(this, this.nextId++);
    this.open.set(job.id, job);
    // While a hash is open the thread keeps the process alive (a CLI must not exit mid-digest).
    this.worker?.ref();
    return job;
  }

  /** @internal */
  post(message: object, transfer: ArrayBuffer[] = []): void {
    this.started().postMessage(message, transfer);
  }

  /** @internal */
  release(id: number): void {
    this.open.delete(id);
    if (this.open.size > 0 || !this.worker) return;
    this.worker.unref();
    this.idleTimer = setTimeout(() => void this.stop(), IDLE_STOP_MS);
    this.idleTimer.unref();
  }

  private started(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(WORKER_SOURCE, { eval: true, name: 'tipdesk-sha256' });
    worker.on('message', (message: FromWorker) => this.open.get(message.id)?.receive(message));
    worker.on('error', (error) => this.fail(worker, error));
    worker.on('exit', (code) => this.fail(worker, new Error(`the hashing thread exited (${code})`)));
    this.worker = worker;
    return worker;
  }

  private fail(worker: Worker, error: Error): void {
    if (this.worker !== worker) return;
    this.worker = undefined;
    for (const job of this.open.values()) job.fail(error);
    this.open.clear();
  }

  private async stop(): Promise<void> {
    const worker = this.worker;
    if (!worker || this.open.size > 0) return;
    this.worker = undefined;
    await worker.terminate();
  }
}
