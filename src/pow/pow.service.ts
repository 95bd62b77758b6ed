import { Injectable } from '@nestjs/common';
import { createChallenge, randomInt, verifySolution, type Challenge, type Payload } from 'altcha-lib';
import { deriveKey } from 'altcha-lib/algorithms/pbkdf2';
import { AppConfig } from '../config/app-config.js';
import { FieldCipher } from '../crypto/field-cipher.js';
import { PowRefusedError } from './pow.errors.js';
import { PowRepository } from './pow.repository.js';

const ALGORITHM = 'PBKDF2/SHA-256';
// A payload is a base64 JSON object of a challenge and a solution: a few hundred bytes.
const MAX_PAYLOAD_CHARS = 4096;

/**
 * Proof of work without tracking (ALTCHA, as GlobaLeaks does it): the server signs a challenge,
 * the browser spends a few seconds finding its solution, the server checks it by HMAC alone (no
 * third party) and accepts it once. Asked of an address group only past a soft threshold (see
 * powRequired), so a person sending one tip never waits for it.
 */
@Injectable()
export class PowService {
  private readonly signatureSecret: string;
  private readonly keySignatureSecret: string;

  constructor(
    private readonly config: AppConfig,
    private readonly solutions: PowRepository,
    cipher: FieldCipher,
  ) {
    const base = config.POW_HMAC_KEY ?? cipher.keyedHash('pow-hmac-key', 'challenges');
    this.signatureSecret = base;
    // Deterministic mode: the server signs the expected key too, so checking is one HMAC, not a KDF run.
    this.keySignatureSecret = cipher.keyedHash('pow-hmac-key-signature', base);
  }

  /** A new signed challenge, as the ALTCHA widget fetches it. */
  async challenge(now = Date.now()): Promise<Challenge> {
    const max = this.config.POW_COUNTER_MAX;
    return createChallenge({
      algorithm: ALGORITHM,
      cost: this.config.POW_COST,
      counter: randomInt(Math.ceil(max / 2), max),
      deriveKey,
      expiresAt: new Date(now + this.config.POW_CHALLENGE_SECONDS * 1000),
      hmacSignatureSecret: this.signatureSecret,
      hmacKeySignatureSecret: this.keySignatureSecret,
    });
  }

  /** Whether a tip post from a group with `postsThisHour` posts (this one counted) must carry a proof. */
  requiredForTip(postsThisHour: number): boolean {
    return this.config.POW_ALWAYS || postsThisHour > this.config.POW_AFTER_TIPS_PER_HOUR;
  }

  /** The same for a tus creation: a tip may carry MAX_FILES_PER_TIP files, so that many uploads per tip. */
  requiredForUpload(creationsThisHour: number): boolean {
    return this.config.POW_ALWAYS || creationsThisHour > this.config.POW_AFTER_TIPS_PER_HOUR * this.config.MAX_FILES_PER_TIP;
  }

  /**
   * Checks a proof (the widget's base64 payload) and marks it used. Throws 403: POW_REQUIRED
   * (none), POW_INVALID (not a solution of a challenge we signed, or of another one),
   * POW_EXPIRED, POW_REPLAYED (accepted once already).
   */
  async accept(proof: string | undefined): Promise<void> {
    if (!proof) throw new PowRefusedError('POW_REQUIRED');
    const payload = parsePayload(proof);
    if (!payload) throw new PowRefusedError('POW_INVALID');
    const { challenge, solution } = payload;
    const expiresAt = challenge.parameters.expiresAt;
    // Our challenges always expire; one that does not was not signed here (or was altered).
    if (typeof expiresAt !== 'number') throw new PowRefusedError('POW_INVALID');
    let result;
    try {
      result = await verifySolution({
        challenge,
        solution,
        deriveKey,
        hmacSignatureSecret: this.signatureSecret,
        hmacKeySignatureSecret: this.keySignatureSecret,
      });
    } catch {
      throw new PowRefusedError('POW_INVALID');
    }
    if (result.expired) throw new PowRefusedError('POW_EXPIRED');
    if (!result.verified) throw new PowRefusedError('POW_INVALID');
    // expiresAt is in seconds in ALTCHA's v2 parameters.
    if (!(await this.solutions.claim(challenge.parameters.nonce, new Date(expiresAt * 1000)))) throw new PowRefusedError('POW_REPLAYED');
  }
}

function parsePayload(proof: string): Payload | undefined {
  if (proof.length > MAX_PAYLOAD_CHARS) return undefined;
  try {
    const decoded = JSON.parse(Buffer.from(proof, 'base64').toString('utf8')) as Partial<Payload> | null;
    const challenge = decoded?.challenge;
    const solution = decoded?.solution;
    if (!challenge?.parameters || typeof challenge.parameters.nonce !== 'string' || typeof challenge.signature !== 'string') return undefined;
    if (!solution || typeof solution.counter !== 'number' || typeof solution.derivedKey !== 'string') return undefined;
    return { challenge, solution };
  } catch {
    return undefined;
  }
}
