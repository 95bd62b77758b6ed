import { STATUS_CODES, type Server } from 'node:http';
import type { Duplex } from 'node:stream';

// How long a refused client may go on sending (its request line or headers) before the socket is cut.
const LINGER_MS = 5000;

/**
 * Answers a request Node's parser refused (headers past the limit: 431; anything else malformed:
 * 400) and lets the client read that answer. Node's own handler writes it and destroys the socket
 * at once: with the client still sending (a megabyte of query string), the unread bytes make the
 * kernel reset the connection, and on Node 24 clients then see ECONNRESET instead of the status.
 * Here the socket is half-closed and what the client still sends is read and dropped, for at most
 * LINGER_MS.
 */
export function answerClientErrors(server: Server): void {
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    const status =
      error.code === 'HPE_HEADER_OVERFLOW' ? 431 : error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : error.code?.startsWith('HPE_') ? 400 : undefined;
    const responding = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } })._httpMessage?.headersSent;
    if (!status || !socket.writable || responding) {
      socket.destroy();
      return;
    }
    socket.on('data', () => undefined);
    socket.resume();
    socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    setTimeout(() => socket.destroy(), LINGER_MS).unref();
  });
}
