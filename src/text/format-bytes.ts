/** A file's size as a person reads it: 812 B, 4.2 MB, 130 MB, 1.5 GB (one decimal below 10). */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value < 10 ? value.toFixed(1) : Math.round(value)} ${units[unit]}`;
}

/** A size limit as the tip form states it: whole or one-decimal GB from 1 GB up, else whole MB ("2 GB", "1.5 GB", "500 MB"). */
export function formatSizeLimit(bytes: number): string {
  const gib = bytes / 1024 ** 3;
  return gib >= 1 ? `${Number.isInteger(gib) ? gib : gib.toFixed(1)} GB` : `${Math.round(bytes / 1024 ** 2)} MB`;
}
