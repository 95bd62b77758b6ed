import { HttpStatus } from '@nestjs/common';
import type { Response } from 'express';
import { DomainError } from '../../http/errors.js';
import { validateInput } from '../../http/validation.js';

/**
 * Post-redirect-get for every page form. `act` does what the form asked and returns the address
 * to see next: done → 303 there (so a reload never posts twice). Refused with a DomainError →
 * the same page again, drawn by `again` with the reason, at the error's status (and with its
 * headers, such as a sign-in lock's Retry-After). Any other error, and a refusal `passOn` names
 * (a tip that does not exist, a forged CSRF token), goes on to the exception filter's page.
 */
export async function answerForm(
  res: Response,
  act: () => Promise<string>,
  again: (error: DomainError) => string | Promise<string>,
  passOn: (error: DomainError) => boolean = () => false,
): Promise<void> {
  let next: string;
  try {
    next = await act();
  } catch (error) {
    if (!(error instanceof DomainError) || passOn(error)) throw error;
    for (const [name, value] of Object.entries(error.headers ?? {})) res.setHeader(name, value);
    return sendPage(res, error.status, await again(error));
  }
  res.redirect(HttpStatus.SEE_OTHER, next);
}

/** A `passOn` for answerForm: refusals with these codes are not the form's to show. */
export const codes =
  (...passed: string[]) =>
  (error: DomainError): boolean =>
    passed.includes(error.code);

/** A page as the answer, at a status other than 200 (a refused form, a 201). */
export function sendPage(res: Response, status: number, html: string): void {
  res.status(status).type('html').send(html);
}

/** A refusal's words for the top of a form: its fields' messages, or its message. */
export function refusalText(error: DomainError): string {
  return error.fields ? Object.values(error.fields).flat().join('. ') : error.message;
}

/** The DTO's value from a form's fields, or a 400 naming them (for answerForm to show). */
export async function validForm<T extends object>(
  dto: new () => T,
  input: Record<string, unknown>,
  message = 'Some fields are missing or not valid',
): Promise<T> {
  const { value, errors } = await validateInput(dto, input);
  if (errors) throw new DomainError(HttpStatus.BAD_REQUEST, 'VALIDATION_FAILED', message, errors);
  return value!;
}
