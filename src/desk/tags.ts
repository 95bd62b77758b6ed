export const TAGS_MAX = 20;
export const TAG_MAX_LENGTH = 40;
export const TAG_PATTERN = new RegExp(`^[a-z0-9 -]{1,${TAG_MAX_LENGTH}}$`);
export const TAG_RULE = `1–${TAG_MAX_LENGTH} characters of a–z, 0–9, space and hyphen`;

/** Trimmed, lower-case, inner spaces collapsed, duplicates dropped (first one kept). */
export function normaliseTags(tags: string[]): string[] {
  return [...new Set(tags.map((tag) => tag.trim().toLowerCase().replace(/\s+/g, ' ')))];
}
