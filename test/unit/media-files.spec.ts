import { describe, expect, it } from '@jest/globals';
import { DISPLAY_FILENAME_MAX, mediaKindOf, sanitiseDisplayFilename } from '../../src/media/media-files.js';

describe('sanitiseDisplayFilename', () => {
  it.each([
    ['IMG_0001.MOV', 'IMG_0001.MOV'],
    ['../../etc/passwd', 'passwd'],
    ['C:\\Users\\me\\clip.mp4', 'clip.mp4'],
    ['..', 'upload.mp4'],
    ['', 'upload.mp4'],
    ['  .hidden.mp4 ', 'hidden.mp4'],
    ['clip\u202Egpj.exe', 'clipgpj.exe'],
    ['a<b>c:"d"|e?.mp4', 'a_b_c__d__e_.mp4'],
    ['line\r\nbreak.mp4', 'line break.mp4'],
    ['tab\there.mp4', 'tab here.mp4'],
  ])('%j → %j', (input, expected) => {
    expect(sanitiseDisplayFilename(input, 'mp4')).toBe(expected);
  });

  it('shortens long unicode names by characters, keeping the extension', () => {
    const name = sanitiseDisplayFilename(`${'ü🎥'.repeat(150)}.mp4`);
    expect(Array.from(name)).toHaveLength(DISPLAY_FILENAME_MAX);
    expect(name.endsWith('.mp4')).toBe(true);
    expect(name).not.toMatch(/[\uD800-\uDFFF]/u); // no half of an emoji left behind
  });
});

describe('mediaKindOf', () => {
  it.each([
    ['video/mp4', 'video'],
    ['video/quicktime', 'video'],
    ['image/jpeg', 'image'],
    ['audio/mpeg', 'audio'],
    ['application/zip', undefined],
    ['application/x-msdownload', undefined],
    ['text/html', undefined],
    [undefined, undefined],
  ])('%s → %s', (mime, kind) => {
    expect(mediaKindOf(mime)).toBe(kind);
  });
});
