import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsIn, IsISO8601, IsOptional, IsString, IsUUID, Matches, MaxLength } from 'class-validator';
import { KeysetPageQuery } from '../../http/keyset-page.js';
import { blankToUndefined } from '../../http/transforms.js';
import { AUDIT_ACTOR_TYPES, type AuditActorType } from '../audit.entities.js';

export const AUDIT_PAGE_SIZE_DEFAULT = 50;
export const AUDIT_PAGE_SIZE_MAX = 200;

/** The admins' audit log filters (GET /api/audit-events). Every filter narrows. */
export class AuditEventsQueryDto extends KeysetPageQuery(AUDIT_PAGE_SIZE_MAX, AUDIT_PAGE_SIZE_DEFAULT) {
  @ApiPropertyOptional({ maxLength: 200, description: 'An action prefix (`payout.`), an entity or actor id, or part of a staff name or email' })
  @Transform(blankToUndefined)
  @IsOptional()
  @IsString()
  @MaxLength(200, { message: 'q is longer than 200 characters' })
  q?: string;

  @ApiPropertyOptional({ maxLength: 64, example: 'staff.signed_in', description: 'Exactly this action' })
  @Transform(blankToUndefined)
  @IsOptional()
  @IsString()
  @MaxLength(64, { message: 'action is longer than 64 characters' })
  @Matches(/^[a-z0-9_.]+$/, { message: 'action is made of a-z, 0-9, _ and .' })
  action?: string;

  @ApiPropertyOptional({ enum: AUDIT_ACTOR_TYPES })
  @Transform(blankToUndefined)
  @IsOptional()
  @IsIn(AUDIT_ACTOR_TYPES, { message: `actorType must be one of ${AUDIT_ACTOR_TYPES.join(', ')}` })
  actorType?: AuditActorType;

  @ApiPropertyOptional({ description: 'Events by this staff member (or contributor)' })
  @Transform(blankToUndefined)
  @IsOptional()
  @IsUUID('all', { message: 'actorId must be an id' })
  actorId?: string;

  @ApiPropertyOptional({ maxLength: 32, example: 'tip' })
  @Transform(blankToUndefined)
  @IsOptional()
  @IsString()
  @MaxLength(32, { message: 'entityType is longer than 32 characters' })
  @Matches(/^[a-z_]+$/, { message: 'entityType is made of a-z and _' })
  entityType?: string;

  @ApiPropertyOptional({ description: 'Events about this tip, payout, staff member…' })
  @Transform(blankToUndefined)
  @IsOptional()
  @IsUUID('all', { message: 'entityId must be an id' })
  entityId?: string;

  @ApiPropertyOptional({ description: 'At or after (ISO 8601; a date alone is midnight UTC)', example: '2026-05-01' })
  @Transform(blankToUndefined)
  @IsOptional()
  @MaxLength(40)
  @IsISO8601({ strict: true }, { message: 'from must be a date, such as 2026-05-01 or 2026-05-01T09:00Z' })
  from?: string;

  @ApiPropertyOptional({ description: 'Before (ISO 8601); a date alone includes that whole day (UTC)', example: '2026-05-31' })
  @Transform(blankToUndefined)
  @IsOptional()
  @MaxLength(40)
  @IsISO8601({ strict: true }, { message: 'to must be a date, such as 2026-05-31 or 2026-05-31T18:00Z' })
  to?: string;
}

export class AuditEventDto {
  @ApiProperty() id: string;
  @ApiProperty({ description: 'ISO 8601, UTC' }) at: string;
  @ApiProperty({ enum: AUDIT_ACTOR_TYPES }) actorType: AuditActorType;
  @ApiProperty({ type: String, nullable: true }) actorId: string | null;
  @ApiProperty({ type: String, nullable: true, description: 'The staff member’s name; null for the system and contributors' }) actorName: string | null;
  @ApiProperty({ example: 'tip.created' }) action: string;
  @ApiProperty({ example: 'tip' }) entityType: string;
  @ApiProperty() entityId: string;
  @ApiProperty({ type: Object, nullable: true }) before: Record<string, unknown> | null;
  @ApiProperty({ type: Object, nullable: true }) after: Record<string, unknown> | null;
}

export class AuditEventPageDto {
  @ApiProperty({ type: [AuditEventDto], description: 'Newest first' }) items: AuditEventDto[];
  @ApiProperty({ type: String, nullable: true, description: 'Pass as `cursor` for the next (older) page; null on the last page' })
  nextCursor: string | null;
}
