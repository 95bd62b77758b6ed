/**
 * The HTTP rules for serving media bytes (RFC 9110 §13–14), as pure functions so each case is a
 * table row in test/unit/byte-ranges.spec.ts.
 */

/** What a Range header asks of a representation of `size` bytes. */
export type RangeSelection =
  /** No Range, or one we ignore (malformed, several ranges, another unit): send all of it, 200. */
  | { kind: 'whole' }
  /** One satisfiable range, inclusive offsets already clamped to the representation: 206. */
  | { kind: 'part'; start: number; end: number }
  /** One well-formed range that selects nothing: 416 with `Content-Range: bytes *\/size`. */
  | { kind: 'unsatisfiable' };

const SINGLE_BYTE_RANGE = /^bytes=(\d*)-(\d*)$/i;

/**
 * Reads `Range: bytes=a-b`, `bytes=a-` and `bytes=-n`. Several ranges are answered with the
 * whole file (RFC 9110 lets a server ignore Range; players never ask for several, and a list of
 * tiny or overlapping ranges is a known way to make a server work hard), and so is anything
 * malformed, rather than a 416 a client may not expect.
 */
export function selectRange(header: string | undefined, size: number): RangeSelection {
  if (header === undefined) return { kind: 'whole' };
  const match = SINGLE_BYTE_RANGE.exec(header.trim());
  if (!match) return { kind: 'whole' };
  const [, first, last] = match;
  if (first === '' && last === '') return { kind: 'whole' };

  if (first === '') {
    // Suffix: the last n bytes (all of them when n is larger than the file).
    const length = Number(last);
    if (length === 0 || size === 0) return { kind: 'unsatisfiable' };
    return { kind: 'part', start: Math.max(size - length, 0), end: size - 1 };
  }

  const start = Number(first);
  // Digits beyond 2^53 are still a number, just a huge one: past any end, or clamped to it.
  const end = last === '' ? Number.POSITIVE_INFINITY : Number(last);
  if (end < start) return { kind: 'whole' }; // "bytes=9-5" is invalid syntax: ignore it
  if (start >= size) return { kind: 'unsatisfiable' };
  return { kind: 'part', start, end: Math.min(end, size - 1) };
}

interface EntityTag {
  weak: boolean;
  opaque: string;
}

const ENTITY_TAG = /^(W\/)?"([\x21\x23-\x7e\x80-\xff]*)"$/;

function parseEntityTag(text: string): EntityTag | undefined {
  const match = ENTITY_TAG.exec(text.trim());
  return match ? { weak: match[1] !== undefined, opaque: match[2] } : undefined;
}

/** `"<opaque>"` or `W/"<opaque>"`. */
export function formatEntityTag(opaque: string, weak = false): string {
  return `${weak ? 'W/' : ''}"${opaque}"`;
}

/**
 * If-None-Match with the weak comparison (RFC 9110 §13.1.2): true when the client's copy is
 * current and a GET or HEAD is answered 304.
 */
export function noneMatchHits(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  if (header.trim() === '*') return true;
  const ours = parseEntityTag(etag);
  if (!ours) return false;
  return header.split(',').some((item) => parseEntityTag(item)?.opaque === ours.opaque);
}

/**
 * If-Range (RFC 9110 §13.1.5): the Range applies only when the client names the current
 * representation by a strong entity tag, compared strongly. A date (we send no Last-Modified)
 * or a weak tag never matches, so the client gets the whole file, never a mixed one.
 */
export function ifRangeHolds(header: string | undefined, etag: string): boolean {
  if (header === undefined) return true;
  const theirs = parseEntityTag(header);
  const ours = parseEntityTag(etag);
  return !!theirs && !!ours && !theirs.weak && !ours.weak && theirs.opaque === ours.opaque;
}
