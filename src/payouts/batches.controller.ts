import { Body, Controller, Get, Header, HttpCode, HttpStatus, Param, Post, Query, Req, Res } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBody,
  ApiConflictResponse,
  ApiConsumes,
  ApiCreatedResponse,
  ApiForbiddenResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiPayloadTooLargeResponse,
  ApiProduces,
  ApiTags,
} from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { pipeline } from 'node:stream/promises';
import { DomainError } from '../http/errors.js';
import { Access, CurrentStaff, type StaffPrincipal } from '../staff/access.js';
import { BatchesService } from './batches.service.js';
import { RECONCILE_MAX_BYTES, ReconcileTooLargeError } from './reconcile-csv.js';
import { BatchDto, BatchIdParams, BatchPageDto, CreateBatchDto, ListBatchesQueryDto, ReconcileResultDto, VoidUndeliveredDto } from './dto/batches.dto.js';

const MOVES = 'BATCH_ILLEGAL_TRANSITION (`from`, `to`), BATCH_STALE_VERSION';

/** Accounting's payment files: make, list, download, void, mark sent, reconcile. */
@ApiTags('payout batches')
@Controller('api/payout-batches')
@Access('accounting', 'admin')
export class BatchesController {
  constructor(private readonly batches: BatchesService) {}

  @Post()
  @ApiOperation({ summary: 'Batch every approved payout that fits the format (one currency) and keep the file’s SHA-256' })
  @ApiCreatedResponse({ type: BatchDto })
  @ApiBadRequestResponse({ description: 'BATCH_NOTHING_TO_PAY (no batch, no file), VALIDATION_FAILED (format, currency)' })
  @ApiConflictResponse({ description: 'PAYER_NOT_CONFIGURED (names the missing settings), BATCH_EXPORT_REFUSED' })
  create(@CurrentStaff() staff: StaffPrincipal, @Body() body: CreateBatchDto): Promise<BatchDto> {
    return this.batches.create(staff, body);
  }

  @Get()
  @Header('Cache-Control', 'no-store')
  @ApiOperation({ summary: 'Batches newest first, optionally one state; keyset pages' })
  @ApiOkResponse({ type: BatchPageDto })
  list(@Query() query: ListBatchesQueryDto): Promise<BatchPageDto> {
    return this.batches.list(query);
  }

  @Get(':id')
  @Header('Cache-Control', 'no-store')
  @ApiOperation({ summary: 'One batch' })
  @ApiOkResponse({ type: BatchDto })
  @ApiNotFoundResponse({ description: 'BATCH_NOT_FOUND' })
  get(@Param() { id }: BatchIdParams): Promise<BatchDto> {
    return this.batches.get(id);
  }

  @Get(':id/file')
  @ApiOperation({ summary: 'The batch’s file, the same bytes every time (ETag and Digest: its SHA-256); every download audited' })
  @ApiProduces('text/csv', 'text/plain', 'application/xml')
  @ApiOkResponse({ description: 'The file, as an attachment' })
  @ApiNotFoundResponse({ description: 'BATCH_NOT_FOUND' })
  @ApiConflictResponse({ description: 'PAYER_NOT_CONFIGURED' })
  async file(@CurrentStaff() staff: StaffPrincipal, @Param() { id }: BatchIdParams, @Res() res: Response): Promise<void> {
    const download = await this.batches.download(staff, id);
    res.status(200);
    res.setHeader('Content-Type', download.contentType);
    res.setHeader('Content-Disposition', `attachment; filename="${download.filename}"`);
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('ETag', `"${download.sha256}"`);
    res.setHeader('Digest', `sha-256=${Buffer.from(download.sha256, 'hex').toString('base64')}`);
    try {
      await pipeline(download.body, res);
    } catch (error) {
      // Once bytes have gone out the only honest answer is a cut connection (pipeline did that).
      if (!res.headersSent) throw error;
    }
  }

  @Post(':id/void')
  @HttpCode(200)
  @ApiOperation({ summary: 'locked → voided, while the file was never downloaded: its payouts return to approved' })
  @ApiOkResponse({ type: BatchDto })
  @ApiConflictResponse({ description: `${MOVES}, BATCH_DOWNLOADED (the file may be at the bank: see void-undelivered)` })
  void(@CurrentStaff() staff: StaffPrincipal, @Param() { id }: BatchIdParams): Promise<BatchDto> {
    return this.batches.void(staff, id);
  }

  @Post(':id/void-undelivered')
  @HttpCode(200)
  @Access('admin')
  @ApiOperation({ summary: 'An admin who did not download the file voids a batch the bank never received (reason and confirmation required)' })
  @ApiOkResponse({ type: BatchDto })
  @ApiBadRequestResponse({ description: 'VALIDATION_FAILED: reason, bankDidNotReceiveFile' })
  @ApiForbiddenResponse({ description: 'BATCH_VOID_BY_DOWNLOADER' })
  @ApiConflictResponse({ description: `${MOVES}, BATCH_HAS_SETTLED_PAYOUTS` })
  voidUndelivered(@CurrentStaff() staff: StaffPrincipal, @Param() { id }: BatchIdParams, @Body() body: VoidUndeliveredDto): Promise<BatchDto> {
    return this.batches.voidUndelivered(staff, id, body);
  }

  @Post(':id/sent')
  @HttpCode(200)
  @ApiOperation({ summary: 'locked → sent: the file went to the bank' })
  @ApiOkResponse({ type: BatchDto })
  @ApiConflictResponse({ description: MOVES })
  sent(@CurrentStaff() staff: StaffPrincipal, @Param() { id }: BatchIdParams): Promise<BatchDto> {
    return this.batches.markSent(staff, id);
  }

  @Post(':id/reconcile')
  @HttpCode(200)
  @ApiOperation({
    summary:
      'The bank’s results (text/csv: payout reference, paid|failed, bank reference or reason); all rows or none; closes the batch when every payout is final',
  })
  @ApiConsumes('text/csv')
  @ApiBody({ schema: { type: 'string', example: 'TIPDESK 7K3Q9XRM,paid,FP-20261125-0001\r\nTIPDESK 2B4C6D8E,failed,ARUCS 0 REFER TO PAYER\r\n' } })
  @ApiOkResponse({ type: ReconcileResultDto })
  @ApiBadRequestResponse({ description: 'VALIDATION_FAILED: `fields` names each bad row (a payout not in this batch, a bad result, an empty reference)' })
  @ApiConflictResponse({ description: 'BATCH_NOT_SENT, BATCH_RECONCILE_CONFLICT, PAYOUT_STALE_VERSION' })
  @ApiPayloadTooLargeResponse({ description: `BATCH_RECONCILE_TOO_LARGE: over ${RECONCILE_MAX_BYTES} bytes` })
  reconcile(@CurrentStaff() staff: StaffPrincipal, @Param() { id }: BatchIdParams, @Req() req: Request): Promise<ReconcileResultDto> {
    if (!req.is('text/csv')) throw new DomainError(HttpStatus.UNSUPPORTED_MEDIA_TYPE, 'UNSUPPORTED_MEDIA_TYPE', 'Send the results as text/csv.');
    if (Number(req.headers['content-length'] ?? 0) > RECONCILE_MAX_BYTES) throw new ReconcileTooLargeError();
    return this.batches.reconcile(staff, id, req);
  }
}
