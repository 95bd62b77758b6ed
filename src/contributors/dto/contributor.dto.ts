import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsEmpty, IsOptional, IsString, IsUUID, MaxLength, MinLength } from 'class-validator';
import { MESSAGE_MAX_LENGTH } from '../../desk/desk.entities.js';
import { ContributorMediaDto } from '../../media/dto/contributor-media.dto.js';
import { ContributorPayoutDto } from '../../payouts/dto/payouts.dto.js';
import { TIP_STATUSES, type TipStatus } from '../../tips/tips.entities.js';

export class ContributorSignInDto {
  @ApiProperty({ example: 'TD-7K3Q-9XRM', description: 'The reference on the receipt' })
  @IsString()
  @MinLength(1, { message: 'Enter the reference from your receipt' })
  @MaxLength(40)
  reference: string;

  @ApiProperty({ description: 'The secret on the receipt' })
  @IsString()
  @MinLength(1, { message: 'Enter the secret from your receipt' })
  @MaxLength(100)
  secret: string;
}

export class ContributorReplyDto {
  @ApiProperty({ maxLength: MESSAGE_MAX_LENGTH, description: "The contributor's reply; the desk reads it on the tip page" })
  // Forms send CRLF line breaks; stored as LF, so the length counts as the textarea's maxlength does.
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.replace(/\r\n?/g, '\n').trim() : value))
  @IsString({ message: 'Write your reply' })
  @MinLength(1, { message: 'Write your reply' })
  @MaxLength(MESSAGE_MAX_LENGTH, { message: `A reply can be at most ${MESSAGE_MAX_LENGTH} characters` })
  body: string;
}

export class ContributorMessageDto {
  @ApiProperty({ enum: ['to_contributor', 'from_contributor'] }) direction: 'to_contributor' | 'from_contributor';
  @ApiProperty() body: string;
  @ApiProperty() createdAt: string;
}

export class ContributorTipDto {
  @ApiProperty() reference: string;
  @ApiProperty({ enum: TIP_STATUSES }) status: TipStatus;
  @ApiProperty({ description: 'Where the tip stands, in plain words' }) statusText: string;
  @ApiProperty() receivedAt: string;
  @ApiProperty({ type: [ContributorMessageDto] }) messages: ContributorMessageDto[];
  @ApiProperty({ type: [ContributorPayoutDto], description: 'Payment offers and where each payment stands' }) payouts: ContributorPayoutDto[];
  @ApiProperty({ type: [ContributorMediaDto], description: 'The files sent with the tip or added since' }) media: ContributorMediaDto[];
  @ApiProperty({ description: 'Whether the tip is still open for more files (it is while the desk is still working on it)' }) acceptsFiles: boolean;
  @ApiProperty({ description: 'How many more files can be added now (0 when closed or full; MAX_FILES_PER_TIP in all)' }) filesLeft: number;
}

/**
 * The text fields of a post that adds files: none but the CSRF token are expected (the files
 * are parts named `files`), so any other field is refused, and `files` sent as text is named.
 */
export class AddMediaDto {
  @IsOptional()
  @IsEmpty({ message: 'Send the files themselves in the "files" field (multipart/form-data)' })
  files?: never;

  @ApiPropertyOptional({ type: [String], description: 'Ids of finished tus uploads (/api/uploads) to add, as JSON' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(100)
  @IsUUID('4', { each: true })
  uploads?: string[];
}

export class AddedMediaDto {
  @ApiProperty({ type: [ContributorMediaDto], description: 'The files just added' }) added: ContributorMediaDto[];
  @ApiProperty({ description: 'How many more files the tip can take' }) filesLeft: number;
}
