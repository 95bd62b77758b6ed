import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const FIXTURES_DIR = fileURLToPath(new URL('../fixtures/', import.meta.url));

/** A real (tiny) phone-style MP4 made with ffmpeg: 1 s, 64x64, H.264. */
export const sampleVideo = () => readFileSync(`${FIXTURES_DIR}sample.mp4`);

/** A real 1×1 PNG (the smallest photo a phone could send). */
export const onePixelPng = () => Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');

/** Things that are not media, whatever their name says. */
export const windowsExe = () => Buffer.concat([Buffer.from('MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00', 'latin1'), Buffer.alloc(4096, 0x41)]);
export const zipArchive = () => Buffer.concat([Buffer.from('PK\x03\x04\x14\x00\x00\x00\x08\x00', 'latin1'), Buffer.alloc(4096, 0x42)]);
export const htmlPage = () => Buffer.from('<!doctype html><html><body><script>alert(1)</script></body></html>'.padEnd(5000, ' '));
