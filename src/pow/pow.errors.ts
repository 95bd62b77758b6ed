import { HttpStatus } from '@nestjs/common';
import { DomainError } from '../http/errors.js';

/** The request header that carries a proof of work (the ALTCHA widget's base64 payload). */
export const POW_HEADER = 'x-altcha';

/** Why a post's proof of work was refused: each a 403 with its own stable code. */
export type PowRefusal = 'POW_REQUIRED' | 'POW_INVALID' | 'POW_EXPIRED' | 'POW_REPLAYED';

const MESSAGES: Record<PowRefusal, string> = {
  POW_REQUIRED:
    'Many tips have come from your connection this hour, so this one needs a proof of work: fetch a challenge from GET /api/pow/challenge, solve it (the ALTCHA widget does), and send the solution in the X-Altcha header. In a browser, the form does this by itself with JavaScript on; without JavaScript, please try again in an hour.',
  POW_INVALID:
    'The proof of work (X-Altcha) does not solve a challenge from this server. Please fetch a new challenge from GET /api/pow/challenge and solve it.',
  POW_EXPIRED: 'The proof of work (X-Altcha) solves a challenge that has expired. Please fetch a new challenge from GET /api/pow/challenge and solve it.',
  POW_REPLAYED:
    'This proof of work (X-Altcha) has already been used: each solution is good for one post. Please fetch a new challenge from GET /api/pow/challenge.',
};

export class PowRefusedError extends DomainError {
  constructor(readonly refusal: PowRefusal) {
    super(HttpStatus.FORBIDDEN, refusal, MESSAGES[refusal]);
  }
}
