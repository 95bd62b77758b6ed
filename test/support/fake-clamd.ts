import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';

/** The EICAR test file: every antivirus reports it, and it harms nothing. */
export const EICAR = Buffer.from('X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*', 'latin1');
/** What ClamAV's own database calls it. */
export const EICAR_SIGNATURE = 'Win.Test.EICAR_HDB-1';

export interface FakeClamdScan {
  /** Bytes of the stream as clamd reassembled them from the chunks. */
  bytes: number;
  chunks: number;
  reply: string;
}

/**
 * A clamd stand-in on a real TCP port that speaks INSTREAM as clamd does: the `zINSTREAM\0` (or
 * `nINSTREAM\n`) command, chunks each prefixed by a 4-byte big-endian length, a zero-length chunk
 * to end; `stream: OK`, `stream: <signature> FOUND`, or, past its StreamMaxLength,
 * `INSTREAM size limit exceeded. ERROR` and the connection closed. It finds EICAR anywhere in the
 * stream, across chunk boundaries.
 */
export class FakeClamd {
  readonly scans: FakeClamdScan[] = [];
  private server?: Server;
  private readonly sockets = new Set<Socket>();
  port = 0;

  constructor(private readonly options: { streamMaxLength: number } = { streamMaxLength: 25 * 1024 * 1024 }) {}

  async start(): Promise<this> {
    this.server = createServer((socket) => this.serve(socket));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private serve(socket: Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => undefined);
    let buffer = Buffer.alloc(0);
    let state: 'command' | 'length' | 'data' | 'done' = 'command';
    let terminator = '\0';
    let chunkLeft = 0;
    let total = 0;
    let chunks = 0;
    let found = false;
    // The last EICAR.length - 1 bytes seen, so a match split over two chunks is still found.
    let tail = Buffer.alloc(0);

    const answer = (reply: string, close: boolean) => {
      state = 'done';
      this.scans.push({ bytes: total, chunks, reply });
      socket.write(reply + terminator);
      if (close) socket.end();
    };

    socket.on('data', (data: Buffer) => {
      buffer = Buffer.concat([buffer, data]);
      for (;;) {
        if (state === 'done') return;
        if (state === 'command') {
          const end = buffer.findIndex((b) => b === 0 || b === 0x0a);
          if (end < 0) return;
          const command = buffer.subarray(0, end).toString('latin1');
          buffer = buffer.subarray(end + 1);
          terminator = command.startsWith('z') ? '\0' : '\n';
          if (command.slice(1) !== 'INSTREAM' || !/^[zn]/.test(command)) return answer('UNKNOWN COMMAND', true);
          state = 'length';
        } else if (state === 'length') {
          if (buffer.length < 4) return;
          const length = buffer.readUInt32BE(0);
          buffer = buffer.subarray(4);
          if (length === 0) return answer(found ? `stream: ${EICAR_SIGNATURE} FOUND` : 'stream: OK', true);
          // clamd checks each announced chunk against StreamMaxLength before reading it.
          if (total + length > this.options.streamMaxLength) return answer('INSTREAM size limit exceeded. ERROR', true);
          chunkLeft = length;
          chunks++;
          state = 'data';
        } else {
          if (buffer.length === 0) return;
          const part = buffer.subarray(0, chunkLeft);
          buffer = buffer.subarray(part.length);
          chunkLeft -= part.length;
          total += part.length;
          const window = Buffer.concat([tail, part]);
          if (!found && window.includes(EICAR)) found = true;
          tail = window.subarray(Math.max(0, window.length - (EICAR.length - 1)));
          if (chunkLeft === 0) state = 'length';
        }
      }
    });
  }
}
