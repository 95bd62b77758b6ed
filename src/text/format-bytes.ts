/** A file's size for people: `500 B`, `5.9 KB`, `3.5 GB`, `120 MB` (one decimal below 10). */
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

/** A configured size limit, as the forms state it: whole gigabytes as `2 GB`, else `1.5 GB` or whole megabytes (`500 MB`). */
export function formatByteLimit(bytes: number): string {
  const gib = bytes / 1024 ** 3;
  return gib >= 1 ? `${Number.isInteger(gib) ? gib : gib.toFixed(1)} GB` : `${Math.round(bytes / 1024 ** 2)} MB`;
}
