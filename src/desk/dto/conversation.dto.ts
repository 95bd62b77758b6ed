import { ApiProperty } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsString, MaxLength, MinLength } from 'class-validator';
import { TIP_CHANNELS, type TipChannel } from '../../tips/tips.entities.js';
import { MESSAGE_DIRECTIONS, MESSAGE_MAX_LENGTH, NOTE_MAX_LENGTH, type MessageDirection } from '../desk.entities.js';
import { StaffRefDto } from './tip-list.dto.js';

const trimmed = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);

export class CreateNoteDto {
  @ApiProperty({ maxLength: NOTE_MAX_LENGTH, description: 'Internal: the contributor never sees notes' })
  @Transform(trimmed)
  @IsString({ message: 'Write a note' })
  @MinLength(1, { message: 'Write a note' })
  @MaxLength(NOTE_MAX_LENGTH, { message: `A note can be at most ${NOTE_MAX_LENGTH} characters` })
  body: string;
}

export class CreateMessageDto {
  @ApiProperty({ maxLength: MESSAGE_MAX_LENGTH, description: 'Shown to the contributor on their status page' })
  @Transform(trimmed)
  @IsString({ message: 'Write a message' })
  @MinLength(1, { message: 'Write a message' })
  @MaxLength(MESSAGE_MAX_LENGTH, { message: `A message can be at most ${MESSAGE_MAX_LENGTH} characters` })
  body: string;
}

export class NoteDto {
  @ApiProperty() id: string;
  @ApiProperty() tipId: string;
  @ApiProperty() body: string;
  @ApiProperty({
    type: StaffRefDto,
    nullable: true,
    description: 'The editor who wrote it; null for a note tipdesk wrote itself (e.g. a file a channel could not take)',
  })
  author: StaffRefDto | null;
  @ApiProperty() createdAt: string;
}

export class MessageDto {
  @ApiProperty() id: string;
  @ApiProperty() tipId: string;
  @ApiProperty({ enum: MESSAGE_DIRECTIONS }) direction: MessageDirection;
  @ApiProperty({ enum: TIP_CHANNELS }) channel: TipChannel;
  @ApiProperty() body: string;
  @ApiProperty({ type: StaffRefDto, nullable: true, description: 'The editor who wrote it; null for the contributor' }) author: StaffRefDto | null;
  @ApiProperty() createdAt: string;
}
