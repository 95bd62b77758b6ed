import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';

/**
 * tus requests in flight per client address group, in this process. Per process on purpose: a
 * count shared through PostgreSQL would need a row per request and a clean-up after a crash, for a
 * limit whose job (no one address ties up a process's sockets and locks) is per process anyway.
 */
export class RequestsInFlight {
  private readonly counts = new Map<string, number>();

  constructor(private readonly limit: number) {}

  /** Counts a request in; false (and not counted) when the group is at its limit. */
  enter(group: string): boolean {
    const count = this.counts.get(group) ?? 0;
    if (count >= this.limit) return false;
    this.counts.set(group, count + 1);
    return true;
  }

  leave(group: string): void {
    const count = (this.counts.get(group) ?? 1) - 1;
    if (count > 0) this.counts.set(group, count);
    else this.counts.delete(group);
  }
}

/**
 * Watches a request body's pace: each `windowSeconds`, if fewer than `minBytesPerSecond` ×
 * `windowSeconds` bytes came in on its socket, `cut` is called (once). Counting the socket's
 * bytesRead leaves the body stream alone: tus reads it itself. Answers the function that stops
 * the watch.
 */
export function watchBodyPace(
  req: IncomingMessage,
  options: { minBytesPerSecond: number; windowSeconds: number },
  cut: (receivedInWindow: number) => void,
): () => void {
  if (options.minBytesPerSecond <= 0) return () => undefined;
  const socket = req.socket;
  // From where the socket's previous request ended: Node may have read this body's first bytes
  // before the handler ran, and they count for the first window.
  let seen = requestEnds.get(socket) ?? 0;
  const timer = setInterval(() => {
    const received = socket.bytesRead - seen;
    seen = socket.bytesRead;
    if (received < options.minBytesPerSecond * options.windowSeconds) {
      clearInterval(timer);
      cut(received);
    }
  }, options.windowSeconds * 1000);
  timer.unref();
  return () => {
    clearInterval(timer);
    requestEnds.set(socket, socket.bytesRead);
  };
}

/** A kept-alive socket's bytesRead when its last watched request ended. */
const requestEnds = new WeakMap<Socket, number>();
