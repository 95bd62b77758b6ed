import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsInt, IsString, IsUUID, Matches, Max, MaxLength, Min, ValidateIf } from 'class-validator';
import { TIP_STATUSES } from '../../tips/tips.entities.js';
import { TAG_PATTERN, TAG_RULE, TAGS_MAX, normaliseTags } from '../tags.js';

export const PRIORITY_MAX = 3;
/** Longer than any status, short enough that no one sends a paragraph. */
export const STATUS_MAX_LENGTH = 40;

// @IsOptional would let `null` through as "not given": only an absent field is left alone.
const IfPresent = () => ValidateIf((_dto, value) => value !== undefined);
const IfNotNull = () => ValidateIf((_dto, value) => value !== undefined && value !== null);

const toTags = ({ value }: { value: unknown }) => (Array.isArray(value) && value.every((v) => typeof v === 'string') ? normaliseTags(value) : value);

export class TipIdParams {
  @IsUUID('all', { message: 'Not a valid tip id' })
  id: string;
}

/** What an editor may change on a tip; `version` is the one they saw (compare-and-set). */
export class UpdateTipDto {
  // Only its shape is checked here: a word that is no status is a move the workflow refuses
  // (409 TIP_UNKNOWN_STATUS from the service, with the tip's state), as issue 3 asks.
  @ApiPropertyOptional({
    enum: TIP_STATUSES,
    maxLength: STATUS_MAX_LENGTH,
    description: 'Allowed moves: see `allowedStatuses` in the tip detail; an unknown status answers 409 TIP_UNKNOWN_STATUS',
  })
  @IfPresent()
  @IsString({ message: `status must be one of ${TIP_STATUSES.join(', ')}` })
  @MaxLength(STATUS_MAX_LENGTH, { message: `status must be one of ${TIP_STATUSES.join(', ')}` })
  status?: string;

  @ApiPropertyOptional({ type: String, format: 'uuid', nullable: true, description: 'An active editor or admin; null unassigns' })
  @IfNotNull()
  @IsUUID('all', { message: 'assigneeId must be a staff id or null' })
  assigneeId?: string | null;

  @ApiPropertyOptional({ type: [String], maxItems: TAGS_MAX, description: `Replaces the tags; each ${TAG_RULE} (lower-cased and trimmed)` })
  @Transform(toTags)
  @IfPresent()
  @IsArray({ message: 'tags must be a list' })
  @ArrayMaxSize(TAGS_MAX, { message: `At most ${TAGS_MAX} tags` })
  @IsString({ each: true })
  @Matches(TAG_PATTERN, { each: true, message: `each tag must be ${TAG_RULE}` })
  tags?: string[];

  @ApiPropertyOptional({ minimum: 0, maximum: PRIORITY_MAX, description: '0 normal … 3 drop everything' })
  @IfPresent()
  @IsInt({ message: `priority must be a whole number from 0 to ${PRIORITY_MAX}` })
  @Min(0, { message: `priority must be a whole number from 0 to ${PRIORITY_MAX}` })
  @Max(PRIORITY_MAX, { message: `priority must be a whole number from 0 to ${PRIORITY_MAX}` })
  priority?: number;

  @ApiPropertyOptional({ type: String, format: 'uuid', nullable: true, description: 'The tip this one repeats; null clears it' })
  @IfNotNull()
  @IsUUID('all', { message: 'duplicateOfId must be a tip id or null' })
  duplicateOfId?: string | null;

  @ApiProperty({ description: 'The version you last saw; a newer one answers 409 TIP_STALE_VERSION with the current tip' })
  @IsInt({ message: 'version must be the whole number from the tip you read' })
  @Min(1, { message: 'version must be the whole number from the tip you read' })
  @Max(2_147_483_647, { message: 'version must be the whole number from the tip you read' })
  version: number;
}
