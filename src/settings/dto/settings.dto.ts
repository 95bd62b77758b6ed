import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsEmail, IsIn, IsInt, IsOptional, IsString, IsUUID, Matches, Max, MaxLength, Min, ValidateBy } from 'class-validator';
import { DATE_STYLES, isTimeZone, PUBLIC_PHONE, type DateStyle } from '../../config/app-config.js';
import { PAYER_RULES } from '../../config/payer-rules.js';

export const PRIVACY_NOTICE_MAX = 20_000;
const VERSION_RULE = 'version must be the whole number from the settings you read';

/** A blank field means "not set here": the environment's default (or tipdesk's own) applies. */
const blankToNull = ({ value }: { value: unknown }) => (typeof value === 'string' ? (value.trim() === '' ? null : value.trim()) : value);
const toInteger = ({ value }: { value: unknown }) => (typeof value === 'string' && /^\d{1,9}$/.test(value) ? Number(value) : value);
/** Spaces and dashes people type in sort codes, account numbers and IBANs. */
const digitsOrCode = ({ value }: { value: unknown }) => {
  const trimmed = blankToNull({ value });
  return typeof trimmed === 'string' ? trimmed.replace(/[\s-]/g, '').toUpperCase() : trimmed;
};

/** A proposed payer field checked by its rule (config/payer-rules.ts), named in an accountant's words. */
const payerRule = (field: keyof typeof PAYER_RULES) => ({
  name: `payer:${field}`,
  validator: {
    validate: (value: unknown) => value === null || value === undefined || (typeof value === 'string' && PAYER_RULES[field].test(value)),
    defaultMessage: () => `The ${PAYER_RULES[field].label} must be ${PAYER_RULES[field].words}`,
  },
});

export class SettingsVersionDto {
  @ApiProperty({ description: 'The settings version you read; a newer one answers 409 SETTINGS_STALE_VERSION' })
  @Transform(toInteger)
  @IsInt({ message: VERSION_RULE })
  @Min(1, { message: VERSION_RULE })
  @Max(2_147_483_647, { message: VERSION_RULE })
  version: number;
}

/** The paper's public face and the desk's dates (saved at once, audited). Blank: not set here. */
export class UpdatePaperSettingsDto extends SettingsVersionDto {
  @ApiPropertyOptional({ maxLength: 80, nullable: true })
  @Transform(blankToNull)
  @IsOptional()
  @IsString()
  @MaxLength(80, { message: 'The paper’s name can be at most 80 characters' })
  @Matches(/^[^\p{Cc}]*$/u, { message: 'The paper’s name must be one line' })
  paperName: string | null;

  @ApiPropertyOptional({ nullable: true })
  @Transform(blankToNull)
  @IsOptional()
  @MaxLength(254, { message: 'The email address is too long' })
  @IsEmail({}, { message: 'Enter an email address, such as tips@paper.example' })
  contactEmail: string | null;

  @ApiPropertyOptional({ nullable: true })
  @Transform(blankToNull)
  @IsOptional()
  @IsString()
  @Matches(PUBLIC_PHONE, { message: 'Enter a phone number: digits, spaces and + ( ) - only' })
  contactPhone: string | null;

  @ApiPropertyOptional({ nullable: true })
  @Transform(blankToNull)
  @IsOptional()
  @IsString()
  @Matches(PUBLIC_PHONE, { message: 'Enter the WhatsApp number: digits, spaces and + ( ) - only' })
  contactWhatsapp: string | null;

  @ApiPropertyOptional({ maxLength: PRIVACY_NOTICE_MAX, nullable: true })
  @Transform(blankToNull)
  @IsOptional()
  @IsString()
  @MaxLength(PRIVACY_NOTICE_MAX, { message: `The privacy notice can be at most ${PRIVACY_NOTICE_MAX} characters` })
  privacyNotice: string | null;

  @ApiPropertyOptional({ example: 'Europe/London', nullable: true })
  @Transform(blankToNull)
  @IsOptional()
  @ValidateBy({ name: 'isTimeZone', validator: { validate: isTimeZone, defaultMessage: () => 'Choose a time zone from the list, such as Europe/London' } })
  timeZone: string | null;

  @ApiPropertyOptional({ enum: DATE_STYLES, nullable: true })
  @Transform(blankToNull)
  @IsOptional()
  @IsIn(DATE_STYLES, { message: 'Choose one of the date styles' })
  dateStyle: DateStyle | null;
}

/** A proposed paying account: every field, blank for "the environment's default". Needs a second admin. */
export class PayerChangeDto {
  @ApiPropertyOptional({ nullable: true, description: 'The payer name as Bacs has it (≤ 18 of A–Z 0–9 space . - / &)' })
  @Transform(blankToNull)
  @IsOptional()
  @ValidateBy(payerRule('name'))
  name: string | null;

  @ApiPropertyOptional({ nullable: true, example: '200000' })
  @Transform(digitsOrCode)
  @IsOptional()
  @ValidateBy(payerRule('sortCode'))
  sortCode: string | null;

  @ApiPropertyOptional({ nullable: true, example: '55779911' })
  @Transform(digitsOrCode)
  @IsOptional()
  @ValidateBy(payerRule('accountNumber'))
  accountNumber: string | null;

  @ApiPropertyOptional({ nullable: true, example: '123456' })
  @Transform(digitsOrCode)
  @IsOptional()
  @ValidateBy(payerRule('serviceUserNumber'))
  serviceUserNumber: string | null;

  @ApiPropertyOptional({ nullable: true })
  @Transform(blankToNull)
  @IsOptional()
  @ValidateBy(payerRule('sepaDebtorName'))
  sepaDebtorName: string | null;

  @ApiPropertyOptional({ nullable: true })
  @Transform(digitsOrCode)
  @IsOptional()
  @ValidateBy(payerRule('sepaDebtorIban'))
  sepaDebtorIban: string | null;

  @ApiPropertyOptional({ nullable: true })
  @Transform(digitsOrCode)
  @IsOptional()
  @ValidateBy(payerRule('sepaDebtorBic'))
  sepaDebtorBic: string | null;
}

export class PayerChangeIdParams {
  @IsUUID('all', { message: 'Not a valid change id' })
  id: string;
}
