// Authentication-Results (RFC 8601) as the paper's own MX writes them: pure parsing, no I/O.
// Anyone can put such a header in a mail; only the one our MX added (its authserv-id, topmost,
// since each hop prepends) says anything about the sender.

export interface AuthResult {
  /** `dmarc`, `dkim`, `spf`, … (lower case). */
  method: string;
  /** `pass`, `fail`, `none`, … (lower case). */
  result: string;
  /** `header.from`, `header.d`, `smtp.mailfrom`, … (names lower case). */
  props: Record<string, string>;
}

export interface AuthenticationResults {
  authservId: string;
  results: AuthResult[];
}

const HEADER_MAX = 8192;

/** Drops RFC 5322 comments (nested parentheses) outside quoted strings. */
function withoutComments(value: string): string {
  let out = '';
  let depth = 0;
  let quoted = false;
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    if (quoted) {
      out += c;
      if (c === '\\' && i + 1 < value.length) out += value[++i];
      else if (c === '"') quoted = false;
    } else if (c === '(') depth++;
    else if (c === ')' && depth > 0) depth--;
    else if (depth > 0) {
      if (c === '\\') i++;
    } else {
      if (c === '"') quoted = true;
      out += c;
    }
  }
  return out;
}

/** Splits on `;` outside quoted strings. */
function clauses(value: string): string[] {
  const parts: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    if (c === '"' && value[i - 1] !== '\\') quoted = !quoted;
    if (c === ';' && !quoted) {
      parts.push(current);
      current = '';
    } else current += c;
  }
  parts.push(current);
  return parts.map((p) => p.trim());
}

const unquote = (value: string) => (value.startsWith('"') && value.endsWith('"') && value.length >= 2 ? value.slice(1, -1).replace(/\\(.)/g, '$1') : value);

/** One Authentication-Results header value, or undefined when it is not one. */
export function parseAuthenticationResults(value: string): AuthenticationResults | undefined {
  const [head, ...rest] = clauses(withoutComments(value.slice(0, HEADER_MAX)).replace(/\s+/g, ' '));
  // authserv-id, optionally followed by a version number.
  const id = /^([^\s;]+)(?:\s+\d+)?$/.exec(head ?? '')?.[1];
  if (!id) return undefined;
  const results: AuthResult[] = [];
  for (const clause of rest) {
    const match = /^([A-Za-z0-9_-]+)(?:\/\d+)?\s*=\s*([A-Za-z]+)(.*)$/.exec(clause);
    if (!match) continue;
    const props: Record<string, string> = {};
    for (const prop of match[3].matchAll(/([A-Za-z0-9_-]+\.[A-Za-z0-9_.-]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^\s;]+)/g)) {
      props[prop[1].toLowerCase()] = unquote(prop[2]);
    }
    results.push({ method: match[1].toLowerCase(), result: match[2].toLowerCase(), props });
  }
  return { authservId: id.toLowerCase(), results };
}

const domainOf = (value: string | undefined) => value?.split('@').pop()?.trim().toLowerCase().replace(/\.$/, '') ?? '';
// Relaxed alignment: the signing domain is the From domain or a parent of it (never a bare TLD).
const aligned = (domain: string, fromDomain: string) => !!domain && (domain === fromDomain || (domain.includes('.') && fromDomain.endsWith(`.${domain}`)));

/**
 * Whether our MX vouched for the From address: its topmost Authentication-Results header (by
 * `authservId`) says `dmarc=pass`, or, for a domain without a DMARC policy (no dmarc result or
 * `dmarc=none`), DKIM or SPF passed for the From domain. A `dmarc=fail`, no header of our MX,
 * or a header of anyone else: not verified.
 */
export function senderVerified(headerValues: readonly string[], authservId: string, fromAddress: string): boolean {
  const ours = headerValues.map(parseAuthenticationResults).find((h) => h?.authservId === authservId.toLowerCase());
  if (!ours) return false;
  const fromDomain = domainOf(fromAddress);
  const dmarc = ours.results.filter((r) => r.method === 'dmarc');
  if (dmarc.some((r) => r.result === 'pass')) return true;
  if (dmarc.some((r) => r.result !== 'none')) return false;
  return ours.results.some(
    (r) =>
      r.result === 'pass' &&
      ((r.method === 'dkim' && aligned(domainOf(r.props['header.d'] ?? r.props['header.i']), fromDomain)) ||
        (r.method === 'spf' && aligned(domainOf(r.props['smtp.mailfrom']), fromDomain))),
  );
}
