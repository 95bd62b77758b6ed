import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsEmpty, IsISO8601, IsOptional, IsString, Matches, MaxLength, MinLength } from 'class-validator';
import { IsNotInFuture, STORY_MAX_LENGTH } from '../../../tips/dto/create-tip.dto.js';

const blankToUndefined = ({ value }: { value: unknown }) =>
  typeof value === 'string' && value.trim() === '' ? undefined : typeof value === 'string' ? value.trim() : value;
// What an editor types while on the phone: "+44 (0)7700 900-123" becomes +447700900123.
const compactNumber = ({ value }: { value: unknown }) =>
  typeof value === 'string'
    ? value
        .trim()
        .replace(/\(0\)/g, '')
        .replace(/[\s().-]/g, '')
    : value;

export const CALLER_NUMBER_PATTERN = /^\+?\d{6,15}$/;

/** A call the desk took, logged by the editor who took it. */
export class CreatePhoneTipDto {
  @ApiProperty({
    description: 'The caller’s number, ideally in international form (+447700900123); spaces, dashes and brackets are fine',
    example: '+44 7700 900123',
  })
  @Transform(compactNumber)
  @IsString({ message: 'Enter the caller’s number' })
  @Matches(CALLER_NUMBER_PATTERN, { message: 'The caller’s number must be 6 to 15 digits, optionally with a leading +, such as +44 7700 900123' })
  callerNumber: string;

  @ApiPropertyOptional({ maxLength: 200 })
  @Transform(blankToUndefined)
  @IsOptional()
  @IsString()
  @MaxLength(200, { message: 'The caller’s name can be at most 200 characters' })
  callerName?: string;

  @ApiProperty({ description: 'What the caller told you', maxLength: STORY_MAX_LENGTH })
  @Transform(blankToUndefined)
  @IsString({ message: 'Write down what the caller told you' })
  @MinLength(1, { message: 'Write down what the caller told you' })
  @MaxLength(STORY_MAX_LENGTH, { message: `The story can be at most ${STORY_MAX_LENGTH} characters` })
  story: string;

  @ApiPropertyOptional({ maxLength: 500 })
  @Transform(blankToUndefined)
  @IsOptional()
  @IsString()
  @MaxLength(500, { message: 'The place can be at most 500 characters' })
  location?: string;

  @ApiPropertyOptional({ description: 'When it happened (ISO 8601; not in the future)', example: '2026-11-24T18:30:00Z' })
  @Transform(blankToUndefined)
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'occurredAt must be a date, such as 2026-11-24 or 2026-11-24T18:30' })
  @IsNotInFuture({ message: 'When it happened cannot be in the future' })
  occurredAt?: string;
}

export class PhoneTipDto {
  @ApiProperty() id: string;
  @ApiProperty({ example: 'TD-7K3Q-9XRM' }) reference: string;
  @ApiProperty({ description: 'Read it to the caller with the reference: it signs them in on the status page. Shown only this once.' }) secret: string;
  @ApiProperty() statusUrl: string;
}

export class AddedFilesDto {
  @ApiProperty({ type: [String] }) mediaIds: string[];
  @ApiProperty({ description: 'How many more files the tip can take' }) filesLeft: number;
}

/** The multipart form's text fields: none (the files come in `files`). */
export class AddFilesDto {
  @IsOptional()
  @IsEmpty({ message: 'Send the files themselves in the "files" field (multipart/form-data)' })
  files?: never;
}
