// Reads a ZIP the app sent (the contributor's access export) back into its entries, with yauzl,
// so a test checks the bytes an unzip tool would see.
import { buffer } from 'node:stream/consumers';
import yauzl from 'yauzl';

/** Every entry of `zip`, by its path inside the ZIP, in the order it was written. */
export async function unzipEntries(zip: Buffer): Promise<Map<string, Buffer>> {
  const file = await new Promise<yauzl.ZipFile>((resolve, reject) =>
    yauzl.fromBuffer(zip, { lazyEntries: true, strictFileNames: true, validateEntrySizes: true }, (error, opened) => (error ? reject(error) : resolve(opened))),
  );
  const entries = new Map<string, Buffer>();
  await new Promise<void>((resolve, reject) => {
    file.on('error', reject);
    file.on('end', () => resolve());
    file.on('entry', (entry: yauzl.Entry) => {
      file.openReadStream(entry, (error, stream) => {
        if (error) return reject(error);
        buffer(stream).then((bytes) => {
          entries.set(entry.fileName, bytes);
          file.readEntry();
        }, reject);
      });
    });
    file.readEntry();
  });
  return entries;
}

/** A JSON entry of the export, parsed. */
export function jsonEntry<T = unknown>(entries: Map<string, Buffer>, name: string): T {
  const bytes = entries.get(name);
  if (!bytes) throw new Error(`No ${name} in the ZIP (it has ${[...entries.keys()].join(', ')})`);
  return JSON.parse(bytes.toString('utf8')) as T;
}
