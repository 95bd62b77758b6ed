import { ApiProperty } from '@nestjs/swagger';
import { IsUUID } from 'class-validator';

export class StatementIdParams {
  @IsUUID('all', { message: 'Not a valid statement import id' })
  id: string;
}

export class StatementLineDto {
  @ApiProperty() position: number;
  @ApiProperty() statementId: string;
  @ApiProperty({ type: String, nullable: true, description: 'The tipdesk payout reference found on the line' }) payoutReference: string | null;
  @ApiProperty({ type: String, nullable: true }) payoutId: string | null;
  @ApiProperty({ type: String, nullable: true }) endToEndId: string | null;
  @ApiProperty({ type: String, nullable: true, description: 'The bank’s reference for the entry' }) entryReference: string | null;
  @ApiProperty({ enum: ['DBIT', 'CRDT'] }) direction: string;
  @ApiProperty({ description: 'As the bank wrote it' }) amount: string;
  @ApiProperty() currency: string;
  @ApiProperty({ type: String, nullable: true }) returnCode: string | null;
  @ApiProperty({ enum: ['paid', 'failed', 'unmatched', 'mismatched', 'conflict', 'already_settled', 'duplicate', 'not_booked', 'ignored'] }) outcome: string;
  @ApiProperty({ type: String, nullable: true, description: 'Why, in words' }) detail: string | null;
}

export class StatementImportDto {
  @ApiProperty() id: string;
  @ApiProperty({ description: 'The message id (GrpHdr/MsgId): a message is imported once' }) msgId: string;
  @ApiProperty({ example: 'camt.053.001.02' }) messageVersion: string;
  @ApiProperty({ type: [String] }) statementIds: string[];
  @ApiProperty() importedBy: string;
  @ApiProperty() importedAt: string;
  @ApiProperty() lineCount: number;
  @ApiProperty({ type: Object, description: 'Lines per outcome', example: { paid: 2, failed: 1, mismatched: 1 } }) counts: Record<string, number>;
  @ApiProperty({
    type: [StatementLineDto],
    description: 'The lines not applied (unmatched, mismatched, conflicts…), the first 1,000; applied lines are in the payouts’ own history',
  })
  unapplied: StatementLineDto[];
}
