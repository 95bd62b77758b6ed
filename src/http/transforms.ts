// class-transformer @Transform functions every DTO shares (one copy each, so they never differ).

/** A blank text field (a form sends "" for an empty input) counts as not given; text is trimmed. */
export const blankToUndefined = ({ value }: { value: unknown }) => (typeof value === 'string' ? (value.trim() === '' ? undefined : value.trim()) : value);

/** A query string's digits as a number (anything else is left for the validator to refuse). */
export const toInteger = ({ value }: { value: unknown }) => (typeof value === 'string' && /^\d{1,9}$/.test(value) ? Number(value) : value);
