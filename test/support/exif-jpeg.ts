/**
 * Adds an EXIF block (APP1) to a JPEG, as a phone camera writes one: make, model, the time the
 * photo was taken and a GPS position. exifr reads EXIF but cannot write it, so the tests build it.
 */
type Entry = { tag: number; type: 2 | 4 | 5; value: string | number | [number, number][] };

const TYPE_SIZE = { 2: 1, 4: 4, 5: 8 } as const;

function ifd(entries: Entry[], start: number): Buffer {
  const header = 2 + entries.length * 12 + 4;
  const table = Buffer.alloc(header);
  const data: Buffer[] = [];
  let dataOffset = start + header;
  table.writeUInt16LE(entries.length, 0);
  entries.forEach((entry, i) => {
    let bytes: Buffer;
    let count: number;
    if (entry.type === 2) {
      bytes = Buffer.from(`${entry.value as string}\0`, 'latin1');
      count = bytes.length;
    } else if (entry.type === 4) {
      bytes = Buffer.alloc(4);
      bytes.writeUInt32LE(entry.value as number);
      count = 1;
    } else {
      const rationals = entry.value as [number, number][];
      bytes = Buffer.alloc(rationals.length * 8);
      rationals.forEach(([n, d], j) => (bytes.writeUInt32LE(n, j * 8), bytes.writeUInt32LE(d, j * 8 + 4)));
      count = rationals.length;
    }
    const at = 2 + i * 12;
    table.writeUInt16LE(entry.tag, at);
    table.writeUInt16LE(entry.type, at + 2);
    table.writeUInt32LE(count, at + 4);
    if (count * TYPE_SIZE[entry.type] <= 4) {
      bytes.copy(table, at + 8);
    } else {
      table.writeUInt32LE(dataOffset, at + 8);
      const padded = bytes.length % 2 ? Buffer.concat([bytes, Buffer.alloc(1)]) : bytes;
      data.push(padded);
      dataOffset += padded.length;
    }
  });
  return Buffer.concat([table, ...data]);
}

const dms = (degrees: number): [number, number][] => {
  const abs = Math.abs(degrees);
  const d = Math.floor(abs);
  const m = Math.floor((abs - d) * 60);
  const s = Math.round(((abs - d) * 60 - m) * 60 * 10000);
  return [
    [d, 1],
    [m, 1],
    [s, 10000],
  ];
};

export function withExif(jpeg: Buffer, exif: { make: string; model: string; takenAt: string; latitude: number; longitude: number }): Buffer {
  if (jpeg[0] !== 0xff || jpeg[1] !== 0xd8) throw new Error('not a JPEG');
  // Layout: TIFF header (8) | IFD0 | Exif IFD | GPS IFD, offsets from the TIFF header.
  const ifd0Size = (entries: number, dataBytes: number) => 2 + entries * 12 + 4 + dataBytes;
  const pad = (n: number) => n + (n % 2);
  const ifd0Length = ifd0Size(4, pad(exif.make.length + 1) + pad(exif.model.length + 1));
  const exifStart = 8 + ifd0Length;
  const exifLength = ifd0Size(1, 20);
  const gpsStart = exifStart + exifLength;
  const ifd0 = ifd(
    [
      { tag: 0x010f, type: 2, value: exif.make },
      { tag: 0x0110, type: 2, value: exif.model },
      { tag: 0x8769, type: 4, value: exifStart },
      { tag: 0x8825, type: 4, value: gpsStart },
    ],
    8,
  );
  const exifIfd = ifd([{ tag: 0x9003, type: 2, value: exif.takenAt }], exifStart);
  const gpsIfd = ifd(
    [
      { tag: 0x0001, type: 2, value: exif.latitude >= 0 ? 'N' : 'S' },
      { tag: 0x0002, type: 5, value: dms(exif.latitude) },
      { tag: 0x0003, type: 2, value: exif.longitude >= 0 ? 'E' : 'W' },
      { tag: 0x0004, type: 5, value: dms(exif.longitude) },
    ],
    gpsStart,
  );
  const tiffHeader = Buffer.from([0x49, 0x49, 0x2a, 0x00, 0x08, 0x00, 0x00, 0x00]);
  const tiff = Buffer.concat([tiffHeader, ifd0, exifIfd, gpsIfd]);
  const segment = Buffer.concat([Buffer.from('Exif\0\0', 'latin1'), tiff]);
  const marker = Buffer.alloc(4);
  marker.writeUInt16BE(0xffe1, 0);
  marker.writeUInt16BE(segment.length + 2, 2);
  return Buffer.concat([jpeg.subarray(0, 2), marker, segment, jpeg.subarray(2)]);
}
