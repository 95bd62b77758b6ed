import { extname } from 'node:path';
import type { MediaKind } from './media.entities.js';

/** The kind of media a sniffed MIME type is, or undefined for anything we refuse. */
export function mediaKindOf(mime: string | undefined): MediaKind | undefined {
  if (!mime) return undefined;
  const [top] = mime.split('/');
  if (top === 'video' || top === 'image' || top === 'audio') return top;
  return undefined;
}

// Controls, bidi overrides and zero-widths can disguise a name ("gpj.exe" shown as "exe.jpg").
const INVISIBLE = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]/g;
const RESERVED = /[<>:"/\\|?*]/g;
export const DISPLAY_FILENAME_MAX = 120;

/**
 * A name fit to show an editor and put in Content-Disposition. Never used as a path: storage
 * keys come from ids. Keeps the last path segment, drops invisible and reserved characters,
 * and shortens long names while keeping the extension.
 */
export function sanitiseDisplayFilename(original: string | undefined, fallbackExtension?: string): string {
  const lastSegment = (original ?? '').split(/[/\\]/).pop() ?? '';
  let name = lastSegment.normalize('NFC').replace(/\s+/g, ' ').replace(INVISIBLE, '').replace(RESERVED, '_');
  name = name.replace(/^[\s.]+|[\s.]+$/g, '');
  if (!name) name = fallbackExtension ? `upload.${fallbackExtension}` : 'upload';
  const chars = Array.from(name);
  if (chars.length > DISPLAY_FILENAME_MAX) {
    const extension = Array.from(extname(name)).slice(0, 10);
    name =
      chars
        .slice(0, DISPLAY_FILENAME_MAX - extension.length)
        .join('')
        .trimEnd() + extension.join('');
  }
  return name;
}
