import type { Readable } from 'node:stream';

/** One file of the tip, as the export lists it and streams its bytes. */
export interface ExportFile {
  id: string;
  filename: string;
  type: string;
  size: number;
  sha256: string;
  state: string;
  addedAt: string;
  /** False when storage no longer has the bytes (listed, not zipped). */
  inStorage: boolean;
  open(): Promise<Readable>;
}

/** What goes into the ZIP: JSON documents (name → value) and the tip's files, in order. */
export interface AccessExportContents {
  /** README.txt: what each entry is, in plain words. */
  readme: string;
  documents: [name: string, value: unknown][];
  files: ExportFile[];
}

/** A file's name inside the ZIP: its number (names may repeat) and its display name without anything a path could use. */
export function zipNameOf(index: number, filename: string): string {
  // Control characters, path separators and a leading dot are what an unzip tool would act on.
  const safe =
    filename
      .replace(/[\u0000-\u001f\u007f/\\:*?"<>|]/g, '_')
      .replace(/^\.+/, '')
      .slice(0, 150) || 'file';
  return `files/${String(index + 1).padStart(2, '0')}-${safe}`;
}

/**
 * A rejected file (not a video, image or audio after all) is listed but its bytes are not sent
 * back; nor, of course, are bytes storage no longer has.
 */
export function includedInZip(file: Pick<ExportFile, 'state' | 'inStorage'>): boolean {
  return file.state !== 'rejected' && file.inStorage;
}

/**
 * Streams `contents` as one ZIP: the JSON documents first, then each file read from storage only
 * when its turn comes (one open blob stream at a time), stored without compression (video does not
 * shrink, and deflating 4 GB would only cost CPU). yazl applies backpressure end to end, so memory
 * stays flat whatever the files' sizes. Imported lazily: only an export needs it.
 */
export async function zipStream(contents: AccessExportContents): Promise<Readable> {
  const yazl = await import('yazl');
  const zip = new (yazl.default?.ZipFile ?? yazl.ZipFile)();
  const output = zip.outputStream as Readable;
  // An error yazl meets itself (a blob shorter than its row says) ends the ZIP too, never the process.
  zip.on('error', (error: Error) => output.destroy(error));
  const mtime = new Date();
  zip.addBuffer(Buffer.from(contents.readme, 'utf8'), 'README.txt', { mtime, compress: true });
  for (const [name, value] of contents.documents) {
    zip.addBuffer(Buffer.from(`${JSON.stringify(value, null, 2)}\n`, 'utf8'), name, { mtime, compress: true });
  }
  contents.files.forEach((file, index) => {
    if (!includedInZip(file)) return;
    zip.addReadStreamLazy(zipNameOf(index, file.filename), { mtime, compress: false, size: file.size }, (done) => {
      file.open().then(
        (stream) => {
          // yazl pipes the stream without listening for its errors: a failed read must end the ZIP.
          stream.once('error', (error) => output.destroy(error));
          done(null, stream);
        },
        (error: unknown) => output.destroy(error as Error),
      );
    });
  });
  zip.end();
  return output;
}
