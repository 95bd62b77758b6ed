import { Controller, Get, Header, HttpCode, HttpStatus, Param, Post, Req } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBody,
  ApiConflictResponse,
  ApiConsumes,
  ApiCreatedResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiPayloadTooLargeResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { Request } from 'express';
import { AppConfig } from '../../config/app-config.js';
import { DomainError } from '../../http/errors.js';
import { Access, CurrentStaff, type StaffPrincipal } from '../../staff/access.js';
import { StatementIdParams, StatementImportDto } from './bank-statements.dto.js';
import { BankStatementsService } from './bank-statements.service.js';

/** The bank's camt.053 statements: each transfer matched to a payout, paid or failed, or listed. */
@ApiTags('bank statements')
@Controller('api/bank-statements')
@Access('accounting', 'admin')
export class BankStatementsController {
  constructor(
    private readonly statements: BankStatementsService,
    private readonly config: AppConfig,
  ) {}

  @Post()
  @HttpCode(201)
  @ApiOperation({
    summary:
      'Import a camt.053 statement (001.02 or 001.08) as the XML body: matches become paid, returns failed, the rest is listed; one transaction, once per MsgId',
  })
  @ApiConsumes('application/xml', 'text/xml')
  @ApiBody({ schema: { type: 'string', description: 'The camt.053 Document' } })
  @ApiCreatedResponse({ type: StatementImportDto })
  @ApiBadRequestResponse({ description: 'STATEMENT_NOT_XML, STATEMENT_WRONG_NAMESPACE, STATEMENT_DOCTYPE_REFUSED, STATEMENT_INVALID: nothing applied' })
  @ApiConflictResponse({ description: 'STATEMENT_ALREADY_IMPORTED (by MsgId or statement id): nothing changed' })
  @ApiPayloadTooLargeResponse({ description: 'STATEMENT_TOO_LARGE: over BANK_STATEMENT_MAX_BYTES' })
  import(@CurrentStaff() staff: StaffPrincipal, @Req() req: Request): Promise<StatementImportDto> {
    if (!req.is(['application/xml', 'text/xml']))
      throw new DomainError(HttpStatus.UNSUPPORTED_MEDIA_TYPE, 'UNSUPPORTED_MEDIA_TYPE', 'Send the statement as application/xml.');
    if (Number(req.headers['content-length'] ?? 0) > this.config.BANK_STATEMENT_MAX_BYTES) {
      throw new DomainError(HttpStatus.PAYLOAD_TOO_LARGE, 'STATEMENT_TOO_LARGE', `A statement may be at most ${this.config.BANK_STATEMENT_MAX_BYTES} bytes.`);
    }
    return this.statements.import(staff, req);
  }

  @Get()
  @Header('Cache-Control', 'no-store')
  @ApiOperation({ summary: 'The last 50 imports, newest first' })
  recent(): ReturnType<BankStatementsService['recent']> {
    return this.statements.recent();
  }

  @Get(':id')
  @Header('Cache-Control', 'no-store')
  @ApiOperation({ summary: 'One import: its counts and the lines not applied' })
  @ApiOkResponse({ type: StatementImportDto })
  @ApiNotFoundResponse({ description: 'STATEMENT_NOT_FOUND' })
  get(@Param() { id }: StatementIdParams): Promise<StatementImportDto> {
    return this.statements.get(id);
  }
}
