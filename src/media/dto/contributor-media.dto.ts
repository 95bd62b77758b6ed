import { ApiProperty } from '@nestjs/swagger';
import { MEDIA_KINDS, type MediaKind } from '../media.entities.js';

/** One of a tip's files as its contributor sees it: what they sent, not how the desk handles it. */
export class ContributorMediaDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ example: 'IMG_0001.MP4', description: 'The name it was sent with, cleaned for display' }) filename: string;
  @ApiProperty({ description: 'Size in bytes' }) size: number;
  @ApiProperty({ enum: MEDIA_KINDS, description: "Judged from the file's first bytes" }) kind: MediaKind;
  @ApiProperty() addedAt: string;
}
