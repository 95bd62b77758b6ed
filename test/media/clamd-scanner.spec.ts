import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { Readable } from 'node:stream';
import { ClamdScanner, InstreamFramer, parseClamdReply, VirusScanError } from '../../src/media/clamd-scanner.js';
import { EICAR, EICAR_SIGNATURE, FakeClamd } from '../support/fake-clamd.js';
import { freePort } from '../support/net.js';

/** A TCP peer that does what `onConnection` says with each connection (a misbehaving clamd). */
async function peer(onConnection: (socket: Socket) => void): Promise<{ port: number; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    onConnection(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** Up to `total` bytes in 64 KiB chunks, made only when read; counts what was made. */
function lazySource(total: number) {
  const state = { produced: 0, destroyed: false };
  const stream = new Readable({
    read() {
      if (state.produced >= total) return void this.push(null);
      const chunk = Buffer.alloc(Math.min(64 * 1024, total - state.produced), 0x41);
      state.produced += chunk.length;
      this.push(chunk);
    },
    destroy(error, callback) {
      state.destroyed = true;
      callback(error);
    },
  });
  return { stream, state };
}

async function framed(chunks: Buffer[]): Promise<Buffer> {
  const out: Buffer[] = [];
  for await (const part of Readable.from(chunks).pipe(new InstreamFramer())) out.push(part as Buffer);
  return Buffer.concat(out);
}

describe('clamd INSTREAM replies', () => {
  it.each([
    ['stream: OK\0', { result: 'clean' }],
    ['stream: OK\n', { result: 'clean' }],
    [`stream: ${EICAR_SIGNATURE} FOUND\0`, { result: 'infected', signature: EICAR_SIGNATURE }],
    ['INSTREAM size limit exceeded. ERROR\0', { result: 'too_large' }],
  ])('%j → %j', (reply, verdict) => {
    expect(parseClamdReply(reply)).toEqual(verdict);
  });

  it.each(["Can't allocate memory ERROR\0", 'UNKNOWN COMMAND\0', '', 'stream: OK but not quite\0'])('%j → VirusScanError CLAMD_ERROR', (reply) => {
    expect(() => parseClamdReply(reply)).toThrow(VirusScanError);
    try {
      parseClamdReply(reply);
    } catch (error) {
      expect((error as VirusScanError).code).toBe('CLAMD_ERROR');
    }
  });
});

describe('INSTREAM framing', () => {
  it('prefixes each chunk with its 4-byte big-endian length, drops empty chunks, and ends with a zero-length chunk', async () => {
    expect(await framed([Buffer.from('abc'), Buffer.alloc(0), Buffer.from('de')])).toEqual(
      Buffer.concat([Buffer.from([0, 0, 0, 3]), Buffer.from('abc'), Buffer.from([0, 0, 0, 2]), Buffer.from('de'), Buffer.alloc(4)]),
    );
  });

  it('an empty stream is just the zero-length chunk', async () => {
    expect(await framed([])).toEqual(Buffer.alloc(4));
  });
});

describe('ClamdScanner against real TCP peers', () => {
  let clamd: FakeClamd;

  beforeAll(async () => {
    clamd = await new FakeClamd({ streamMaxLength: 1024 * 1024 }).start();
  });

  afterAll(async () => {
    await clamd?.stop();
  });

  const scanner = (port: number, timeoutMs = 5000) => new ClamdScanner('127.0.0.1', port, timeoutMs);

  it('clean bytes → clean; clamd reassembles exactly what was sent', async () => {
    const before = clamd.scans.length;
    expect(await scanner(clamd.port).scan(Readable.from([Buffer.from('hello '), Buffer.from('world')]))).toEqual({ result: 'clean' });
    expect(clamd.scans[before]).toMatchObject({ bytes: 11, chunks: 2, reply: 'stream: OK' });
  });

  it('EICAR after an empty chunk → infected (an empty chunk never ends the stream early)', async () => {
    const verdict = await scanner(clamd.port).scan(Readable.from([Buffer.from('abc'), Buffer.alloc(0), EICAR]));
    expect(verdict).toEqual({ result: 'infected', signature: EICAR_SIGNATURE });
  });

  it("a stream over clamd's StreamMaxLength → too_large (clamd's early answer wins over the broken pipe), and the source is released", async () => {
    const { stream, state } = lazySource(64 * 1024 * 1024);
    expect(await scanner(clamd.port).scan(stream)).toEqual({ result: 'too_large' });
    expect(state.destroyed).toBe(true);
    expect(state.produced).toBeLessThan(64 * 1024 * 1024);
  });

  it('a refused connection → CLAMD_UNREACHABLE, and the source is released', async () => {
    const { stream, state } = lazySource(1024);
    await expect(scanner(await freePort()).scan(stream)).rejects.toMatchObject({ code: 'CLAMD_UNREACHABLE' });
    expect(state.destroyed).toBe(true);
  });

  it('a clamd that stops reading → the source is read no further than the buffers allow (backpressure), then CLAMD_TIMEOUT', async () => {
    const stalled = await peer((socket) => socket.pause());
    try {
      const { stream, state } = lazySource(512 * 1024 * 1024);
      await expect(scanner(stalled.port, 500).scan(stream)).rejects.toMatchObject({ code: 'CLAMD_TIMEOUT' });
      // Without backpressure all 512 MiB would have been read into memory by now.
      expect(state.produced).toBeLessThan(32 * 1024 * 1024);
      expect(state.destroyed).toBe(true);
    } finally {
      await stalled.close();
    }
  });

  it('a clamd that reads everything and never answers → CLAMD_TIMEOUT', async () => {
    const silent = await peer((socket) => socket.resume());
    try {
      await expect(scanner(silent.port, 300).scan(Readable.from([Buffer.from('abc')]))).rejects.toMatchObject({ code: 'CLAMD_TIMEOUT' });
    } finally {
      await silent.close();
    }
  });

  it('a clamd that hangs up without a word → CLAMD_CLOSED', async () => {
    const rude = await peer((socket) => socket.once('data', () => socket.end()));
    try {
      await expect(scanner(rude.port).scan(Readable.from([Buffer.from('abc')]))).rejects.toMatchObject({ code: 'CLAMD_CLOSED' });
    } finally {
      await rude.close();
    }
  });

  it('an error line from clamd → CLAMD_ERROR (the job retries)', async () => {
    const broken = await peer((socket) => socket.once('data', () => socket.end("Can't allocate memory ERROR\0")));
    try {
      await expect(scanner(broken.port).scan(Readable.from([Buffer.from('abc')]))).rejects.toMatchObject({ code: 'CLAMD_ERROR' });
    } finally {
      await broken.close();
    }
  });
});
