import { ApiProperty } from '@nestjs/swagger';
import { TIP_CHANNELS, TIP_STATUSES, type TipChannel, type TipStatus } from '../../tips/tips.entities.js';
import { NEWS_KINDS, type NewsKind } from '../tip-news.js';

export class StaffRefDto {
  @ApiProperty() id: string;
  @ApiProperty() name: string;
}

/** The tip's first processed video: its poster frame and length. */
export class TipPosterDto {
  @ApiProperty() mediaId: string;
  @ApiProperty({ type: String, nullable: true, example: '/api/media/4f0c…/thumbnail' }) thumbnailUrl: string | null;
  @ApiProperty({ type: Number, nullable: true, description: 'Seconds' }) duration: number | null;
}

/** One row of the queue: enough to triage without opening the tip. */
export class TipListItemDto {
  @ApiProperty() id: string;
  @ApiProperty({ example: 'TD-7K3Q-9XRM' }) reference: string;
  @ApiProperty({ enum: TIP_STATUSES }) status: TipStatus;
  @ApiProperty({ enum: TIP_CHANNELS }) channel: TipChannel;
  @ApiProperty({ description: 'When the tip arrived (its age is now minus this)' }) createdAt: string;
  @ApiProperty({ description: 'The first 200 characters of the story' }) snippet: string;
  @ApiProperty({ type: String, nullable: true }) location: string | null;
  @ApiProperty({ type: String, nullable: true }) contributorName: string | null;
  @ApiProperty({ type: StaffRefDto, nullable: true }) assignee: StaffRefDto | null;
  @ApiProperty({ minimum: 0, maximum: 3 }) priority: number;
  @ApiProperty({ type: [String] }) tags: string[];
  @ApiProperty() mediaCount: number;
  @ApiProperty() hasVideo: boolean;
  @ApiProperty({ type: String, nullable: true, description: 'What ClamAV found in the first quarantined file, if any is' }) quarantinedSignature: string | null;
  @ApiProperty({ type: TipPosterDto, nullable: true }) poster: TipPosterDto | null;
  @ApiProperty({ type: String, nullable: true }) duplicateOfId: string | null;
  @ApiProperty({ description: 'Send it back with a PATCH' }) version: number;
  @ApiProperty({
    enum: NEWS_KINDS,
    isArray: true,
    description: 'What happened since you last opened the tip (a reply, an accepted offer, a payment paid or failed)',
  })
  news: NewsKind[];
}

export class TipPageDto {
  @ApiProperty({ type: [TipListItemDto] }) items: TipListItemDto[];
  @ApiProperty({ type: String, nullable: true, description: 'Pass as `cursor` for the next page; null on the last page' })
  nextCursor: string | null;
}
