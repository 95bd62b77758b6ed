import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { Equals, IsIn, IsOptional, IsString, IsUUID, MaxLength, MinLength } from 'class-validator';
import { KeysetPageQuery } from '../../http/keyset-page.js';
import { blankToUndefined } from '../../http/transforms.js';
import { EXPORT_FORMATS } from '../exporters/exporters.js';
import type { ExportFormat } from '../exporters/export-types.js';
import { BATCH_STATES, CURRENCIES, type BatchState, type Currency } from '../payouts.entities.js';

export const BATCH_PAGE_SIZE_DEFAULT = 50;
export const BATCH_PAGE_SIZE_MAX = 100;

export class BatchIdParams {
  @IsUUID('all', { message: 'Not a valid batch id' })
  id: string;
}

export class CreateBatchDto {
  @ApiProperty({ enum: EXPORT_FORMATS, description: 'The file to write: which payouts fit is the format’s rule (currency and payee method)' })
  @IsIn(EXPORT_FORMATS, { message: `format must be one of ${EXPORT_FORMATS.join(', ')}` })
  format: ExportFormat;

  @ApiPropertyOptional({
    enum: CURRENCIES,
    description: 'Defaults to the only currency the format carries, else the currency of the oldest approval that fits',
  })
  @Transform(blankToUndefined)
  @IsOptional()
  @IsIn(CURRENCIES, { message: `currency must be one of ${CURRENCIES.join(', ')}` })
  currency?: Currency;
}

/** An admin voids a downloaded batch the bank never received: why, and that explicit confirmation. */
export class VoidUndeliveredDto {
  @ApiProperty({ maxLength: 500, description: 'Why the bank never received the file (kept in the audit log)' })
  @Transform(blankToUndefined)
  @IsString({ message: 'Say why the bank did not receive the file (reason)' })
  @MinLength(1)
  @MaxLength(500)
  reason: string;

  @ApiProperty({ enum: [true], description: 'The admin confirms the bank did not receive this file' })
  @Equals(true, { message: 'Confirm that the bank did not receive this file (bankDidNotReceiveFile: true)' })
  bankDidNotReceiveFile: true;
}

export class ListBatchesQueryDto extends KeysetPageQuery(BATCH_PAGE_SIZE_MAX, BATCH_PAGE_SIZE_DEFAULT) {
  @ApiPropertyOptional({ enum: BATCH_STATES })
  @Transform(blankToUndefined)
  @IsOptional()
  @IsIn(BATCH_STATES, { message: `state must be one of ${BATCH_STATES.join(', ')}` })
  state?: BatchState;
}

export class BatchTotalDto {
  @ApiProperty({ enum: CURRENCIES }) currency: Currency;
  @ApiProperty({ description: 'Integer minor units' }) totalMinor: number;
}

export class BatchDto {
  @ApiProperty() id: string;
  @ApiProperty({ description: 'Short bank-safe reference: the file name, the Bacs volume serial, the SEPA MsgId' }) reference: string;
  @ApiProperty({ enum: EXPORT_FORMATS }) format: ExportFormat;
  @ApiProperty({ enum: CURRENCIES }) currency: Currency;
  @ApiProperty({ enum: BATCH_STATES }) state: BatchState;
  @ApiProperty() count: number;
  @ApiProperty({ type: [BatchTotalDto] }) totals: BatchTotalDto[];
  @ApiProperty({ nullable: true, type: String, description: 'SHA-256 (hex) of the file; every download is these bytes' }) fileSha256: string | null;
  @ApiProperty({ description: 'The day the bank should pay (YYYY-MM-DD), a bank working day' }) processingDate: string;
  @ApiProperty() createdBy: string;
  @ApiProperty({
    type: String,
    nullable: true,
    description: 'When the file was first downloaded (then only an admin who did not download it can void the batch)',
  })
  firstDownloadedAt: string | null;
  @ApiProperty({ type: String, nullable: true }) firstDownloadedBy: string | null;
  @ApiProperty() createdAt: string;
  @ApiProperty() updatedAt: string;
  @ApiProperty() version: number;
}

export class BatchPageDto {
  @ApiProperty({ type: [BatchDto] }) items: BatchDto[];
  @ApiProperty({ nullable: true, type: String }) nextCursor: string | null;
}

export class BatchItemResultDto {
  @ApiProperty() payoutId: string;
  @ApiProperty() bankReference: string;
  @ApiProperty({ enum: ['paid', 'failed'] }) result: 'paid' | 'failed';
  @ApiProperty({ description: 'false when the payout already had this result (a file uploaded twice)' }) applied: boolean;
}

export class ReconcileResultDto {
  @ApiProperty({ type: BatchDto }) batch: BatchDto;
  @ApiProperty({ type: [BatchItemResultDto] }) results: BatchItemResultDto[];
}
