import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import {
  ArrayMaxSize,
  Equals,
  IsArray,
  IsBoolean,
  IsEmail,
  IsIn,
  IsISO8601,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  MaxLength,
  MinLength,
  ValidateIf,
  registerDecorator,
  type ValidationOptions,
} from 'class-validator';
import { LICENCES, type Licence } from '../tips.entities.js';

export const STORY_MAX_LENGTH = 20_000;

// HTML forms send "on"/"true"; JSON sends booleans. Anything else stays as-is and fails validation.
const toBoolean = ({ value }: { value: unknown }) => {
  if (value === true || value === 'true' || value === 'on' || value === '1') return true;
  if (value === false || value === 'false' || value === 'off' || value === '0') return false;
  return value;
};
const trimmed = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);
const blankToUndefined = ({ value }: { value: unknown }) =>
  typeof value === 'string' && value.trim() === '' ? undefined : typeof value === 'string' ? value.trim() : value;
const toList = ({ value }: { value: unknown }) =>
  typeof value === 'string'
    ? value
        .split(',')
        .map((v) => v.trim())
        .filter(Boolean)
    : value;

/** A date that is not in the future (a few minutes of clock skew allowed). */
export function IsNotInFuture(options?: ValidationOptions) {
  return (object: object, propertyName: string) =>
    registerDecorator({
      name: 'isNotInFuture',
      target: object.constructor,
      propertyName,
      options: { message: `${propertyName} cannot be in the future`, ...options },
      validator: {
        validate: (value: unknown) => typeof value !== 'string' || Date.parse(value) <= Date.now() + 5 * 60_000,
      },
    });
}

export class CreateTipDto {
  @ApiProperty({ description: 'What happened, in your own words', maxLength: STORY_MAX_LENGTH })
  @Transform(trimmed)
  @IsString({ message: 'Please tell us your story' })
  @MinLength(1, { message: 'Please tell us your story' })
  @MaxLength(STORY_MAX_LENGTH, { message: `Your story is longer than ${STORY_MAX_LENGTH} characters` })
  story: string;

  @ApiPropertyOptional({ maxLength: 200 })
  @Transform(blankToUndefined)
  @IsOptional()
  @IsString()
  @MaxLength(200)
  name?: string;

  @ApiPropertyOptional({ maxLength: 254 })
  @Transform(blankToUndefined)
  @IsOptional()
  @IsEmail({}, { message: 'This does not look like an email address' })
  @MaxLength(254)
  email?: string;

  @ApiPropertyOptional({ maxLength: 40, example: '+44 7700 900123' })
  @Transform(blankToUndefined)
  @IsOptional()
  @Matches(/^\+?[0-9 ()-]{6,40}$/, { message: 'A phone number has digits, spaces and maybe a leading +' })
  phone?: string;

  @ApiPropertyOptional({ maxLength: 500 })
  @Transform(blankToUndefined)
  @IsOptional()
  @IsString()
  @MaxLength(500)
  location?: string;

  @ApiPropertyOptional({ description: 'When it happened (ISO 8601; not in the future)', example: '2026-11-24T18:30:00Z' })
  @Transform(blankToUndefined)
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'occurredAt must be a date, such as 2026-11-24 or 2026-11-24T18:30' })
  @IsNotInFuture()
  occurredAt?: string;

  @ApiPropertyOptional({ enum: LICENCES, default: 'non_exclusive' })
  @Transform(blankToUndefined)
  @IsOptional()
  @IsIn(LICENCES, { message: 'licence must be exclusive or non_exclusive' })
  licence?: Licence;

  @ApiPropertyOptional({ maxLength: 200, description: 'The name to credit if we publish' })
  @Transform(blankToUndefined)
  @IsOptional()
  @IsString()
  @MaxLength(200)
  creditName?: string;

  @ApiPropertyOptional({ description: 'Publish without crediting you' })
  @Transform(toBoolean)
  @IsOptional()
  @IsBoolean()
  anonymous?: boolean;

  @ApiProperty({ description: 'I accept the terms (must be true)' })
  @Transform(toBoolean)
  @Equals(true, { message: 'Please accept the terms' })
  consentTerms: boolean;

  @ApiProperty({ description: 'I made these photos/videos myself (must be true)' })
  @Transform(toBoolean)
  @Equals(true, { message: 'Please confirm this is your own work' })
  consentOwnWork: boolean;

  @ApiProperty({ description: 'I am 18 or over (must be true)' })
  @Transform(toBoolean)
  @Equals(true, { message: 'Please confirm you are 18 or over' })
  consentOver18: boolean;

  @ApiPropertyOptional({ type: [String], description: 'Ids of finished tus uploads to attach' })
  @Transform(toList)
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(100)
  @IsUUID('4', { each: true })
  uploads?: string[];

  @ApiPropertyOptional({ description: 'Leave empty (a trap for robots)' })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  @ValidateIf((dto: CreateTipDto) => dto.website !== undefined && dto.website !== '')
  @Equals('', { message: 'This form could not be sent' })
  website?: string;
}

export class TipReceiptDto {
  @ApiProperty({ example: 'TD-7K3Q-9XRM' })
  reference: string;

  @ApiProperty({ description: 'Shown once; keep it to check your tip later', example: 'K7Q3-9XRM-…' })
  secret: string;

  @ApiProperty({ example: 'https://tips.example.com/status?reference=TD-7K3Q-9XRM' })
  statusUrl: string;
}
