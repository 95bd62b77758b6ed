import { createHash, randomBytes } from 'node:crypto';
import { Secret, TOTP } from 'otpauth';
import { canonicalCrockford, crockfordBase32 } from '../text/crockford.js';

// otpauth implements RFC 6238 (and the otpauth:// URI authenticator apps scan) with no
// dependencies; qrcode draws that URI as an SVG, so enrolment needs no outside service.
const ISSUER = 'tipdesk';
const PERIOD_SECONDS = 30;
// One step either side: a phone clock a little off, or a code typed as it rolls over.
const WINDOW = 1;

export const RECOVERY_CODE_COUNT = 10;

function totpFor(secret: string, label: string): TOTP {
  return new TOTP({ issuer: ISSUER, label, algorithm: 'SHA1', digits: 6, period: PERIOD_SECONDS, secret: Secret.fromBase32(secret) });
}

export function newTotpSecret(): string {
  return new Secret({ size: 20 }).base32;
}

export interface TotpEnrolment {
  secret: string;
  otpauthUrl: string;
  /** The otpauth URL as an SVG QR code (a data: URL an <img> can show under the page CSP). */
  qrCode: string;
}

export async function totpEnrolment(secret: string, label: string): Promise<TotpEnrolment> {
  const otpauthUrl = totpFor(secret, label).toString();
  // Loaded only when someone enrols an authenticator.
  const { default: QRCode } = await import('qrcode');
  const svg = await QRCode.toString(otpauthUrl, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
  return { secret, otpauthUrl, qrCode: `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}` };
}

/**
 * The time step a code belongs to, or undefined when it is not valid now. Callers store the
 * step and refuse any step not after it, so an overheard code cannot be used twice.
 */
export function totpStep(secret: string, code: string, now = Date.now()): number | undefined {
  const token = code.replace(/\s+/g, '');
  if (!/^\d{6}$/.test(token)) return undefined;
  const delta = totpFor(secret, ISSUER).validate({ token, timestamp: now, window: WINDOW });
  if (delta === null) return undefined;
  return Math.floor(now / 1000 / PERIOD_SECONDS) + delta;
}

/** The code an authenticator shows at `now` (for tests and the CLI). */
export function totpCode(secret: string, now = Date.now()): string {
  return totpFor(secret, ISSUER).generate({ timestamp: now });
}

/** Ten single-use codes like `7K3QM-9XRM2` (50 random bits each). */
export function newRecoveryCodes(): string[] {
  return Array.from({ length: RECOVERY_CODE_COUNT }, () => {
    const chars = crockfordBase32(randomBytes(7), 10);
    return `${chars.slice(0, 5)}-${chars.slice(5)}`;
  });
}

export function looksLikeRecoveryCode(code: string): boolean {
  return /^[0-9A-Z]{5}-?[0-9A-Z]{5}$/i.test(code.trim());
}

/** Like the contributor's secret, a recovery code has enough entropy for a plain SHA-256. */
export const hashRecoveryCode = (code: string): string => createHash('sha256').update(canonicalCrockford(code.trim())).digest('hex');
