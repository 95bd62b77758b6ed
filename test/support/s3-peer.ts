import { CreateBucketCommand, ListMultipartUploadsCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { Readable } from 'node:stream';
import { crc32 as zlibCrc32 } from 'node:zlib';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import S3rver from 's3rver';
import { createS3Client } from '../../src/storage/s3-blob-store.js';

export interface S3Peer {
  /** The settings that point the app at this server's `tipdesk-media` bucket. */
  env: Record<string, string>;
  /** A client of ours for looking inside the bucket. */
  client(): S3Client;
  /** Every object key in the bucket, sorted. */
  keys(): Promise<string[]>;
  /** Every multipart upload in progress in the bucket (ListMultipartUploads), by key. */
  multipartUploads(): Promise<{ key: string; uploadId: string }[]>;
  close(): Promise<void>;
}

// s3rver's own pieces (CommonJS, no types): its S3 error (rendered as S3's XML error by its
// onerror handler), its XML parser and its filesystem store's layout.
const fromS3rver = createRequire(createRequire(import.meta.url).resolve('s3rver'));
const S3Error = fromS3rver('./models/error') as new (code: string, message: string, detail?: Record<string, unknown>) => Error;
const xmlParser = fromS3rver('fast-xml-parser') as { validate(xml: string): true | object; parse(xml: string, options: object): unknown };
const he = fromS3rver('he') as { decode(text: string): string };

interface KoaContext {
  method: string;
  headers: Record<string, string | undefined>;
  path: string;
  href: string;
  query: Record<string, string | string[] | undefined>;
  req: NodeJS.ReadableStream;
  status: number;
  body: unknown;
  store: FilesystemStore;
}
type KoaMiddleware = (ctx: KoaContext, next: () => Promise<void>) => Promise<void>;
interface FilesystemStore {
  getResourcePath(bucket: string, key: string | undefined, resource: string): string;
  getBucket(bucket: string): Promise<unknown>;
  putObjectMultipart(bucket: string, uploadId: string, parts: { number: number; etag: string }[]): Promise<{ md5: string; size: number }>;
}

const XMLNS = { xmlns: 'http://s3.amazonaws.com/doc/2006-03-01/' };
const OWNER = { ID: '123456789000', DisplayName: 'S3rver' };
/** S3's minimum size of every part but the last (EntityTooSmall). */
const MIN_PART_BYTES = 5 * 1024 * 1024;
const noSuchUpload = () =>
  new S3Error('NoSuchUpload', 'The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.');

/**
 * The multipart operations s3rver 3.x lacks or gets wrong, answered as S3 answers them, from
 * s3rver's own upload directories (`<bucket>/._S3rver_uploads/<uploadId>/`: `key`, `metadata`,
 * and each part as `<n>` with `<n>.md5` beside it):
 * - ListParts (GET /bucket/key?uploadId=…): missing in s3rver.
 * - AbortMultipartUpload (DELETE /bucket/key?uploadId=…): missing in s3rver.
 * - ListMultipartUploads (GET /bucket?uploads): missing in s3rver.
 * - UploadPart and CompleteMultipartUpload of an unknown (aborted, completed) upload id or of
 *   another key's upload: NoSuchUpload, where s3rver recreates the directory or fails with a 500.
 * - CompleteMultipartUpload: InvalidPart for a part not uploaded or with another ETag,
 *   InvalidPartOrder, and EntityTooSmall for a part under 5 MiB that is not the last, which
 *   s3rver accepts (and real S3 does not).
 * Requests are path-style (the app's S3_FORCE_PATH_STYLE=true); anything else goes to s3rver.
 */
function fullerS3(): KoaMiddleware {
  return async (ctx, next) => {
    const [bucket, ...keyParts] = ctx.path
      .split('/')
      .slice(1)
      .map((part) => decodeURIComponent(part));
    const key = keyParts.join('/');
    const uploadId = typeof ctx.query.uploadId === 'string' ? ctx.query.uploadId : undefined;
    if (!bucket) return next();
    if (ctx.method === 'PUT' && isAwsChunked(ctx.headers)) await decodeAwsChunked(ctx);
    if (!key && ctx.method === 'GET' && 'uploads' in ctx.query) return listMultipartUploads(ctx, bucket);
    if (!key || uploadId === undefined) return next();
    if (!(await ctx.store.getBucket(bucket))) throw new S3Error('NoSuchBucket', 'The specified bucket does not exist', { BucketName: bucket });
    const directory = join(ctx.store.getResourcePath(bucket, undefined, 'uploads'), uploadId.replace(/[^a-z0-9]/gi, '_'));
    const storedKey = await readFile(join(directory, 'key'), 'utf8').catch(() => undefined);
    if (storedKey !== key) throw noSuchUpload();
    switch (ctx.method) {
      case 'GET':
        return listParts(ctx, bucket, key, uploadId, directory);
      case 'DELETE':
        await rm(directory, { recursive: true, force: true });
        ctx.status = 204;
        return;
      case 'POST':
        return completeMultipartUpload(ctx, bucket, key, uploadId, directory);
      default:
        return next(); // UploadPart into an upload that exists
    }
  };
}

function isAwsChunked(headers: KoaContext['headers']): boolean {
  return (
    (headers['content-encoding'] ?? '').split(',').some((e) => e.trim() === 'aws-chunked') || (headers['x-amz-content-sha256'] ?? '').startsWith('STREAMING-')
  );
}

/**
 * The AWS SDK sends a streamed body (UploadPart and PutObject of a file stream, as @tus/s3-store
 * does) `aws-chunked`: `<hex size>[;chunk-signature=…]\r\n<bytes>\r\n` … `0\r\n` and trailing
 * headers (its checksum, `x-amz-checksum-crc32:<base64>`). S3 stores the decoded bytes;
 * s3rver would store the framing too. Decoded here (whole: parts are a few MiB), checked
 * against x-amz-decoded-content-length and a CRC32 trailer, and the headers made those of
 * a plain body.
 */
async function decodeAwsChunked(ctx: KoaContext): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of ctx.req) chunks.push(chunk as Buffer);
  const raw = Buffer.concat(chunks);
  const incomplete = () => new S3Error('IncompleteBody', 'You did not provide the number of bytes specified by the Content-Length HTTP header');
  const pieces: Buffer[] = [];
  let at = 0;
  for (;;) {
    const lineEnd = raw.indexOf('\r\n', at);
    if (lineEnd < 0) throw incomplete();
    const size = Number.parseInt(raw.subarray(at, lineEnd).toString('latin1').split(';')[0], 16);
    if (!Number.isInteger(size) || size < 0) throw incomplete();
    at = lineEnd + 2;
    if (size === 0) break;
    if (raw.length < at + size + 2 || raw.toString('latin1', at + size, at + size + 2) !== '\r\n') throw incomplete();
    pieces.push(raw.subarray(at, at + size));
    at += size + 2;
  }
  const trailers = new Map(
    raw
      .subarray(at)
      .toString('latin1')
      .split('\r\n')
      .filter(Boolean)
      .map((line) => {
        const colon = line.indexOf(':');
        return [line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim()] as const;
      }),
  );
  const body = Buffer.concat(pieces);
  const declared = ctx.headers['x-amz-decoded-content-length'];
  if (declared !== undefined && Number(declared) !== body.length) throw incomplete();
  const crc32 = trailers.get('x-amz-checksum-crc32');
  if (crc32 !== undefined) {
    const actual = Buffer.alloc(4);
    actual.writeUInt32BE(zlibCrc32(body));
    if (actual.toString('base64') !== crc32) throw new S3Error('BadDigest', 'The CRC32 you specified did not match the calculated checksum.');
  }
  const encodings = (ctx.headers['content-encoding'] ?? '')
    .split(',')
    .map((e) => e.trim())
    .filter((e) => e && e !== 'aws-chunked');
  if (encodings.length) ctx.headers['content-encoding'] = encodings.join(',');
  else delete ctx.headers['content-encoding'];
  delete ctx.headers['x-amz-decoded-content-length'];
  delete ctx.headers['transfer-encoding'];
  ctx.headers['content-length'] = String(body.length);
  // Only the body s3rver's handlers read (ctx.req) is replaced; ctx.headers stay the request's.
  ctx.req = Readable.from([body]);
}

/** The parts of an upload in its directory, by part number. */
async function partsIn(directory: string): Promise<{ number: number; etag: string; size: number; lastModified: Date }[]> {
  const names = (await readdir(directory)).filter((name) => /^\d+$/.test(name));
  const parts = await Promise.all(
    names.map(async (name) => {
      // s3rver writes `<n>.md5` once the part's last byte is in: a part still arriving is not a part yet.
      const md5 = await readFile(join(directory, `${name}.md5`), 'utf8').catch(() => undefined);
      if (md5 === undefined) return undefined;
      const info = await stat(join(directory, name));
      return { number: Number(name), etag: JSON.stringify(md5), size: info.size, lastModified: info.mtime };
    }),
  );
  return parts.filter((part) => part !== undefined).sort((a, b) => a.number - b.number);
}

async function listParts(ctx: KoaContext, bucket: string, key: string, uploadId: string, directory: string): Promise<void> {
  const marker = Number(ctx.query['part-number-marker'] ?? 0);
  const maxParts = Math.min(Number(ctx.query['max-parts'] ?? 1000), 1000);
  if (!Number.isInteger(marker) || marker < 0 || !Number.isInteger(maxParts) || maxParts < 0) {
    throw new S3Error('InvalidArgument', 'part-number-marker and max-parts must be non-negative integers');
  }
  const after = (await partsIn(directory)).filter((part) => part.number > marker);
  const page = after.slice(0, maxParts);
  const truncated = after.length > page.length;
  ctx.body = {
    ListPartsResult: {
      '@': XMLNS,
      Bucket: bucket,
      Key: key,
      UploadId: uploadId,
      Initiator: OWNER,
      Owner: OWNER,
      StorageClass: 'STANDARD',
      PartNumberMarker: marker,
      NextPartNumberMarker: page.length ? page[page.length - 1].number : marker,
      MaxParts: maxParts,
      IsTruncated: truncated,
      Part: page.map((part) => ({
        PartNumber: part.number,
        LastModified: part.lastModified.toISOString(),
        ETag: part.etag,
        Size: part.size,
      })),
    },
  };
}

async function completeMultipartUpload(ctx: KoaContext, bucket: string, key: string, uploadId: string, directory: string): Promise<void> {
  let xml = '';
  for await (const chunk of ctx.req) xml += chunk.toString();
  const body =
    xmlParser.validate(xml) === true
      ? (xmlParser.parse(xml, { tagValueProcessor: (text: string) => he.decode(text) }) as { CompleteMultipartUpload?: { Part?: unknown } })
          .CompleteMultipartUpload
      : undefined;
  if (!body?.Part) throw new S3Error('MalformedXML', 'The XML you provided was not well-formed or did not validate against our published schema.');
  const requested = ([] as { PartNumber: number; ETag: string }[])
    .concat(body.Part as never)
    .map((part) => ({ number: Number(part.PartNumber), etag: String(part.ETag).replace(/"/g, '') }));
  const stored = new Map((await partsIn(directory)).map((part) => [part.number, part]));
  for (const [index, part] of requested.entries()) {
    if (index > 0 && part.number <= requested[index - 1].number) {
      throw new S3Error('InvalidPartOrder', 'The list of parts was not in ascending order. The parts list must be specified in order by part number.');
    }
    const have = stored.get(part.number);
    if (!have || have.etag.replace(/"/g, '') !== part.etag) {
      throw new S3Error(
        'InvalidPart',
        "One or more of the specified parts could not be found. The part may not have been uploaded, or the specified entity tag may not match the part's entity tag.",
        { UploadId: uploadId, PartNumber: part.number, ETag: part.etag },
      );
    }
    if (index < requested.length - 1 && have.size < MIN_PART_BYTES) {
      throw new S3Error('EntityTooSmall', 'Your proposed upload is smaller than the minimum allowed object size.', {
        ProposedSize: have.size,
        MinSizeAllowed: MIN_PART_BYTES,
        PartNumber: part.number,
        ETag: part.etag,
      });
    }
  }
  // s3rver assembles the parts into the object and removes the upload's directory.
  const { md5 } = await ctx.store.putObjectMultipart(bucket, uploadId, requested);
  ctx.body = {
    CompleteMultipartUploadResult: { '@': XMLNS, Location: ctx.href.split('?')[0], Bucket: bucket, Key: key, ETag: JSON.stringify(md5) },
  };
}

async function listMultipartUploads(ctx: KoaContext, bucket: string): Promise<void> {
  if (!(await ctx.store.getBucket(bucket))) throw new S3Error('NoSuchBucket', 'The specified bucket does not exist', { BucketName: bucket });
  const text = (name: string) => (typeof ctx.query[name] === 'string' ? (ctx.query[name] as string) : '');
  const prefix = text('prefix');
  const keyMarker = text('key-marker');
  const uploadIdMarker = text('upload-id-marker');
  const maxUploads = Math.min(Number(ctx.query['max-uploads'] ?? 1000), 1000);
  const root = ctx.store.getResourcePath(bucket, undefined, 'uploads');
  const uploads = (
    await Promise.all(
      (await readdir(root).catch(() => [])).map(async (id) => {
        const key = await readFile(join(root, id, 'key'), 'utf8').catch(() => undefined);
        return key === undefined ? undefined : { key, uploadId: id, initiated: (await stat(join(root, id, 'key'))).mtime };
      }),
    )
  )
    .filter((u): u is { key: string; uploadId: string; initiated: Date } => u !== undefined && u.key.startsWith(prefix))
    // S3's order: by key, then by when each upload of the same key began.
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.initiated.getTime() - b.initiated.getTime() || (a.uploadId < b.uploadId ? -1 : 1)));
  let start = 0;
  if (keyMarker) {
    const markerIndex = uploadIdMarker ? uploads.findIndex((u) => u.key === keyMarker && u.uploadId === uploadIdMarker) : -1;
    start = markerIndex >= 0 ? markerIndex + 1 : uploads.findIndex((u) => u.key > keyMarker);
    if (start < 0) start = uploads.length;
  }
  const page = uploads.slice(start, start + maxUploads);
  const truncated = start + page.length < uploads.length;
  const last = page[page.length - 1];
  ctx.body = {
    ListMultipartUploadsResult: {
      '@': XMLNS,
      Bucket: bucket,
      KeyMarker: keyMarker,
      UploadIdMarker: uploadIdMarker,
      NextKeyMarker: truncated ? last.key : '',
      NextUploadIdMarker: truncated ? last.uploadId : '',
      Prefix: prefix,
      MaxUploads: maxUploads,
      IsTruncated: truncated,
      Upload: page.map((u) => ({
        Key: u.key,
        UploadId: u.uploadId,
        Initiator: OWNER,
        Owner: OWNER,
        StorageClass: 'STANDARD',
        Initiated: u.initiated.toISOString(),
      })),
    },
  };
}

/**
 * A real S3-compatible HTTP server (s3rver) on a free port, with the bucket already made, and
 * the multipart operations s3rver lacks (ListParts, AbortMultipartUpload, ListMultipartUploads)
 * added so that @tus/s3-store can run against it.
 */
export async function startS3Peer(): Promise<S3Peer> {
  const directory = await mkdtemp(join(tmpdir(), 'tipdesk-s3rver-'));
  const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory });
  // Just before s3rver's router (after its logger, XML encoder and vhost middleware), so our
  // answers are encoded and our errors rendered the way s3rver's own are.
  const middleware = (server as unknown as { middleware: KoaMiddleware[] }).middleware;
  middleware.splice(middleware.length - 1, 0, fullerS3());
  const { port } = await server.run();
  const env = {
    STORAGE_DRIVER: 's3',
    S3_ENDPOINT: `http://127.0.0.1:${port}`,
    S3_BUCKET: 'tipdesk-media',
    S3_REGION: 'us-east-1',
    S3_ACCESS_KEY_ID: 'S3RVER',
    S3_SECRET_ACCESS_KEY: 'S3RVER',
    S3_FORCE_PATH_STYLE: 'true',
  };
  const client = () =>
    createS3Client({ endpoint: env.S3_ENDPOINT, region: 'us-east-1', accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER', forcePathStyle: true });
  const setup = client();
  await setup.send(new CreateBucketCommand({ Bucket: env.S3_BUCKET }));
  setup.destroy();
  const looking = client();
  return {
    env,
    client,
    keys: async () => {
      const keys: string[] = [];
      let token: string | undefined;
      do {
        const page = await looking.send(new ListObjectsV2Command({ Bucket: env.S3_BUCKET, ContinuationToken: token }));
        keys.push(...(page.Contents ?? []).map((o) => o.Key!));
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
      return keys.sort();
    },
    multipartUploads: async () => {
      const page = await looking.send(new ListMultipartUploadsCommand({ Bucket: env.S3_BUCKET }));
      return (page.Uploads ?? []).map((u) => ({ key: u.Key!, uploadId: u.UploadId! }));
    },
    close: async () => {
      looking.destroy();
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}
