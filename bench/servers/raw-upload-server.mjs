// Baseline for bench/upload.mjs: a bare Node http server that pipes each POST body to a new
// file (no parsing, no hashing). RAW_FSYNC=1 makes it fsync the file before answering.
import { createWriteStream } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';

const port = Number(process.env.PORT);
const outDir = process.env.OUT_DIR;
const fsync = process.env.RAW_FSYNC === '1';
if (!port || !outDir) throw new Error('PORT and OUT_DIR are required');

let n = 0;
const server = http.createServer(async (req, res) => {
  if (req.method === 'GET' && req.url === '/health') return res.end('ok');
  if (req.method !== 'POST') return res.writeHead(405).end();
  const file = join(outDir, `upload-${process.pid}-${++n}.bin`);
  try {
    const out = createWriteStream(file, { flush: fsync });
    await pipeline(req, out);
    res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ bytes: out.bytesWritten }));
  } catch (error) {
    res.writeHead(500).end(String(error));
  }
});
server.requestTimeout = 0;
server.listen(port, '127.0.0.1');
process.on('SIGTERM', () => server.close(() => process.exit(0)));
