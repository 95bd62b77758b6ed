import { ValidationPipe, type ArgumentMetadata, type ValidationError } from '@nestjs/common';
import { plainToInstance, type ClassConstructor } from 'class-transformer';
import { validate } from 'class-validator';
import { controlCharacterErrors } from './control-characters.js';
import { ValidationFailedError, type FieldErrors } from './errors.js';

export const VALIDATION_OPTIONS = { whitelist: true, forbidNonWhitelisted: true } as const;

function toFieldErrors(errors: ValidationError[], prefix = ''): FieldErrors {
  const fields: FieldErrors = {};
  for (const error of errors) {
    const path = prefix ? `${prefix}.${error.property}` : error.property;
    if (error.constraints) {
      // An unknown field gets a plain sentence instead of class-validator's "property x should not exist".
      fields[path] = Object.entries(error.constraints).map(([rule, message]) => (rule === 'whitelistValidation' ? 'This field is not allowed' : message));
    }
    Object.assign(fields, toFieldErrors(error.children ?? [], path));
  }
  return fields;
}

/** class-validator's rules, then the one rule every text field shares: no control characters (control-characters.ts). */
class TipdeskValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    const control = this.toValidate(metadata) ? controlCharacterErrors(value) : undefined;
    let transformed: unknown;
    try {
      transformed = await super.transform(value, metadata);
    } catch (error) {
      if (control && error instanceof ValidationFailedError) throw new ValidationFailedError({ ...error.fields, ...control });
      throw error;
    }
    if (control) throw new ValidationFailedError(control);
    return transformed;
  }
}

/** The global pipe: unknown fields refused, types converted, errors keyed by field. */
export function createValidationPipe(): ValidationPipe {
  return new TipdeskValidationPipe({
    ...VALIDATION_OPTIONS,
    transform: true,
    exceptionFactory: (errors) => new ValidationFailedError(toFieldErrors(errors)),
  });
}

/** The same validation for callers outside the pipe (the HTML form renders errors itself). */
export async function validateInput<T extends object>(
  type: ClassConstructor<T>,
  plain: unknown,
): Promise<{ value: T; errors?: undefined } | { value?: undefined; errors: FieldErrors }> {
  const value = plainToInstance(type, plain ?? {});
  const errors = await validate(value, VALIDATION_OPTIONS);
  const control = controlCharacterErrors(plain);
  if (errors.length || control) return { errors: { ...toFieldErrors(errors), ...control } };
  return { value };
}
