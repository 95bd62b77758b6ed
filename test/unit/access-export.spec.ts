import { describe, expect, it } from '@jest/globals';
import { includedInZip, zipNameOf } from '../../src/privacy/access-export.js';

describe('zipNameOf: a file’s name inside the access export', () => {
  it.each([
    [0, 'IMG_2041.MP4', 'files/01-IMG_2041.MP4'],
    [9, 'clip.mov', 'files/10-clip.mov'],
    [0, '../../etc/passwd', 'files/01-_.._etc_passwd'],
    [0, 'C:\\Users\\me\\clip.mp4', 'files/01-C__Users_me_clip.mp4'],
    [0, '.hidden', 'files/01-hidden'],
    [0, 'a\u0000b\nc.mp4', 'files/01-a_b_c.mp4'],
    [0, '', 'files/01-file'],
    [0, '...', 'files/01-file'],
  ])('#%i %j → %j', (index, filename, expected) => {
    expect(zipNameOf(index, filename)).toBe(expected);
  });

  it('numbers the files, so two of the same name stay two entries', () => {
    expect(zipNameOf(0, 'clip.mp4')).not.toBe(zipNameOf(1, 'clip.mp4'));
  });

  it('keeps names short', () => {
    expect(zipNameOf(0, 'x'.repeat(500)).length).toBeLessThanOrEqual('files/01-'.length + 150);
  });
});

describe('includedInZip', () => {
  it.each([
    ['ready', true, true],
    ['stored', true, true],
    ['rejected', true, false],
    ['ready', false, false],
  ])('a %s file, in storage: %s → %s', (state, inStorage, expected) => {
    expect(includedInZip({ state, inStorage })).toBe(expected);
  });
});
