import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { AuditEventDto } from '../../audit/dto/audit-events.dto.js';
import { MEDIA_KINDS, MEDIA_SCAN_STATES, MEDIA_STATES, type MediaKind, type MediaScanState, type MediaState } from '../../media/media.entities.js';
import { LICENCES, TIP_CHANNELS, TIP_STATUSES, type Licence, type TipChannel, type TipStatus } from '../../tips/tips.entities.js';
import { MessageDto, NoteDto } from './conversation.dto.js';
import { StaffRefDto } from './tip-list.dto.js';

/** Contact details, decrypted for staff. */
export class TipContributorDto {
  @ApiProperty() id: string;
  @ApiProperty({ type: String, nullable: true }) name: string | null;
  @ApiProperty({ type: String, nullable: true }) email: string | null;
  @ApiProperty({ type: String, nullable: true }) phone: string | null;
}

export class TipConsentDto {
  @ApiProperty() id: string;
  @ApiProperty() termsVersion: string;
  @ApiProperty({ description: 'SHA-256 of the exact terms text shown' }) termsSha256: string;
  @ApiProperty({ enum: LICENCES }) licence: Licence;
  @ApiProperty() ownWork: boolean;
  @ApiProperty() over18: boolean;
  @ApiProperty({ type: String, nullable: true }) creditName: string | null;
  @ApiProperty() anonymous: boolean;
  @ApiProperty({ enum: TIP_CHANNELS }) channel: TipChannel;
  @ApiProperty() acceptedAt: string;
}

export class TipMediaDto {
  @ApiProperty() id: string;
  @ApiProperty() displayFilename: string;
  @ApiProperty({ description: 'MIME type from the first bytes' }) sniffedType: string;
  @ApiProperty({ enum: MEDIA_KINDS }) kind: MediaKind;
  @ApiProperty() sizeBytes: number;
  @ApiProperty() sha256: string;
  @ApiProperty({ enum: MEDIA_STATES }) state: MediaState;
  @ApiProperty({ type: Object, nullable: true, description: 'Duration, size, codec, GPS… once probed' }) probe: Record<string, unknown> | null;
  @ApiProperty() hasThumbnail: boolean;
  @ApiProperty({ example: '/api/media/4f0c…/content' }) contentUrl: string;
  @ApiProperty({
    enum: MEDIA_SCAN_STATES,
    nullable: true,
    description: "The virus scan: null when no scanner is configured; 'infected' files are quarantined (not served)",
  })
  scanState: MediaScanState | null;
  @ApiProperty({ type: String, nullable: true, description: 'What ClamAV found' }) scanSignature: string | null;
  @ApiProperty({ type: String, nullable: true, description: "Why not scanned ('too large'), or the code of the scanner's last failure" }) scanNote:
    string | null;
  @ApiProperty({ type: String, nullable: true }) scannedAt: string | null;
  @ApiProperty() createdAt: string;
}

/** A file a channel (WhatsApp) named but could not download yet. */
export class TipPendingMediaDto {
  @ApiProperty() id: string;
  @ApiProperty({ enum: TIP_CHANNELS }) channel: TipChannel;
  @ApiProperty({ type: String, nullable: true }) filename: string | null;
  @ApiProperty() attempts: number;
  @ApiProperty({ description: 'False once tipdesk gave up on it' }) retrying: boolean;
  @ApiProperty({ type: String, nullable: true }) nextAttemptAt: string | null;
  @ApiProperty({ type: String, nullable: true, description: 'Why the last attempt failed, as a code' }) lastErrorCode: string | null;
  @ApiProperty() createdAt: string;
}

/** Another tip, in brief. */
export class TipRefDto {
  @ApiProperty() id: string;
  @ApiProperty() reference: string;
  @ApiProperty({ enum: TIP_STATUSES }) status: TipStatus;
}

export class DuplicateHintDto extends TipRefDto {
  @ApiProperty({ description: 'How many of this tip’s files have byte-identical copies there' }) sharedFiles: number;
}

/** One entry of a tip's history: the audit module's event. */
export type TipHistoryEventDto = AuditEventDto;

export class TipDetailDto {
  @ApiProperty() id: string;
  @ApiProperty() reference: string;
  @ApiProperty({ enum: TIP_STATUSES }) status: TipStatus;
  @ApiProperty({ enum: TIP_STATUSES, isArray: true, description: 'Where the status may go next' }) allowedStatuses: TipStatus[];
  @ApiProperty({ enum: TIP_CHANNELS }) channel: TipChannel;
  @ApiProperty() story: string;
  @ApiProperty({ type: String, nullable: true }) location: string | null;
  @ApiProperty({ type: String, nullable: true }) occurredAt: string | null;
  @ApiProperty({ type: TipContributorDto }) contributor: TipContributorDto;
  @ApiProperty({ type: StaffRefDto, nullable: true }) assignee: StaffRefDto | null;
  @ApiProperty() priority: number;
  @ApiProperty({ type: [String] }) tags: string[];
  @ApiProperty({ type: String, nullable: true }) duplicateOfId: string | null;
  @ApiProperty({ type: TipRefDto, nullable: true }) duplicateOf: TipRefDto | null;
  @ApiProperty({ type: [DuplicateHintDto], description: 'Other tips holding byte-identical files' }) duplicateHints: DuplicateHintDto[];
  @ApiProperty({ type: [TipConsentDto] }) consents: TipConsentDto[];
  @ApiProperty({ type: [TipMediaDto] }) media: TipMediaDto[];
  @ApiProperty({ type: [TipPendingMediaDto], description: 'Files a channel could not fetch yet' }) pendingMedia: TipPendingMediaDto[];
  @ApiProperty({ type: [NoteDto] }) notes: NoteDto[];
  @ApiProperty({ type: [MessageDto] }) messages: MessageDto[];
  @ApiPropertyOptional({
    type: String,
    nullable: true,
    description: 'Only when one page of the conversation was asked for: where the older messages start (null: none older)',
  })
  olderMessagesCursor?: string | null;
  @ApiProperty({ type: [AuditEventDto], description: 'Every audit event of this tip, oldest first' }) history: AuditEventDto[];
  @ApiPropertyOptional({
    type: String,
    nullable: true,
    description: 'Only when one page of the history was asked for: where the older events start (null: none older)',
  })
  olderHistoryCursor?: string | null;
  @ApiProperty({ description: 'Send it back with a PATCH' }) version: number;
  @ApiProperty() createdAt: string;
  @ApiProperty() updatedAt: string;
}
