import type { DataStore } from '@tus/utils';
import { createHash, type Hash } from 'node:crypto';
import { pipeline, Transform, type Readable } from 'node:stream';

// Unfinished uploads whose hash this process keeps; past that the oldest is dropped (its finish reads the file again).
const MAX_RUNNING = 1_000;

interface Running {
  hash: Hash;
  /** The upload's offset the hash has seen all the bytes up to. */
  offset: number;
}

/**
 * The SHA-256 of each tus upload, computed as its bytes arrive, so that finishing a 2 GB upload
 * does not read it all back. Best effort and per process: a chunk that lands on another process,
 * a process restart, or a write that stored other than what passed through drops the running
 * hash, and the finish hashes the stored file instead.
 */
export class RunningHashes {
  private readonly running = new Map<string, Running>();

  /** Makes `datastore.write` hash what it stores. */
  wrap(datastore: DataStore): DataStore {
    const write = datastore.write.bind(datastore);
    datastore.write = async (source: Readable, id: string, offset: number) => {
      const tap = this.tap(id, offset);
      if (!tap) return write(source, id, offset);
      // pipeline, not pipe: the source's error (a size limit, a lost client) reaches the store as it is.
      const newOffset = await write(
        pipeline(source, tap.stream, () => undefined),
        id,
        offset,
      );
      tap.settle(newOffset);
      return newOffset;
    };
    return datastore;
  }

  /** The digest when the hash has seen exactly `size` bytes; forgets the upload either way. */
  take(id: string, size: number): string | null {
    const running = this.running.get(id);
    this.running.delete(id);
    return running && running.offset === size ? running.hash.digest('hex') : null;
  }

  forget(id: string): void {
    this.running.delete(id);
  }

  private tap(id: string, offset: number): { stream: Transform; settle(newOffset: number): void } | null {
    const known = this.running.get(id);
    // Not valid while a write is under way, nor after one that did not settle.
    this.running.delete(id);
    let hash: Hash;
    if (offset === 0) hash = createHash('sha256');
    else if (known?.offset === offset) hash = known.hash;
    else return null;
    let passed = 0;
    const stream = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        hash.update(chunk);
        passed += chunk.length;
        done(null, chunk);
      },
    });
    return {
      stream,
      settle: (newOffset) => {
        if (newOffset !== offset + passed) return;
        this.running.set(id, { hash, offset: newOffset });
        if (this.running.size > MAX_RUNNING) this.running.delete(this.running.keys().next().value!);
      },
    };
  }
}
