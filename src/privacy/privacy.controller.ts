import { Body, Controller, Delete, Get, Header, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import { ApiBadRequestResponse, ApiConflictResponse, ApiForbiddenResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { TipIdParams } from '../desk/dto/update-tip.dto.js';
import { Access, CurrentContributor, CurrentStaff, type ContributorCaller, type StaffPrincipal } from '../staff/access.js';
import { CertificateQueryDto, DeclineErasureDto, EraseTipDto, ErasureRequestDto, ErasureRequestIdParams, LegalHoldDto } from './dto/privacy.dto.js';
import type { SignedCertificate } from './erasure-certificate.js';
import { PrivacyService, type ErasureRequestRow, type ErasureSummary, type LegalHoldRow } from './privacy.service.js';

/** The certificate as a download: the PDF, or (`?format=json`) its signed JSON twin. */
export async function sendCertificate(res: Response, privacy: PrivacyService, certificate: SignedCertificate, format: 'pdf' | 'json' = 'pdf'): Promise<void> {
  const name = `erasure-certificate-${certificate.statement.tip.reference}`;
  res.setHeader('Cache-Control', 'no-store');
  if (format === 'json') {
    res.setHeader('Content-Disposition', `attachment; filename="${name}.json"`);
    res.type('application/json').send(JSON.stringify(certificate, null, 2));
    return;
  }
  res.setHeader('Content-Disposition', `attachment; filename="${name}.pdf"`);
  res.type('application/pdf').send(await privacy.certificatePdf(certificate));
}

@ApiTags('privacy')
@Controller('api')
export class PrivacyController {
  constructor(private readonly privacy: PrivacyService) {}

  @Post('tips/:id/legal-hold')
  @Access('admin')
  @ApiOperation({ summary: 'Put a tip on legal hold: nothing on it is erased until the hold is lifted' })
  @ApiBadRequestResponse({ description: 'VALIDATION_FAILED (reason missing or too long)' })
  @ApiNotFoundResponse({ description: 'TIP_NOT_FOUND' })
  @ApiConflictResponse({ description: 'LEGAL_HOLD_EXISTS' })
  placeHold(@CurrentStaff() staff: StaffPrincipal, @Param() { id }: TipIdParams, @Body() body: LegalHoldDto): Promise<LegalHoldRow> {
    return this.privacy.placeHold(staff, id, body.reason);
  }

  @Delete('tips/:id/legal-hold')
  @Access('admin')
  @HttpCode(204)
  @ApiOperation({ summary: 'Lift a legal hold' })
  @ApiNotFoundResponse({ description: 'LEGAL_HOLD_NOT_FOUND' })
  liftHold(@CurrentStaff() staff: StaffPrincipal, @Param() { id }: TipIdParams): Promise<void> {
    return this.privacy.liftHold(staff, id);
  }

  @Post('tips/:id/erase')
  @Access('admin')
  @HttpCode(200)
  @ApiOperation({
    summary:
      'Erase a tip: story, contact details, messages, note texts, files and posters, payee details, sender hashes; a tombstone and any payment record stay',
  })
  @ApiNotFoundResponse({ description: 'TIP_NOT_FOUND' })
  @ApiConflictResponse({ description: 'TIP_ON_LEGAL_HOLD, TIP_ERASED, TIP_PAYOUT_IN_FLIGHT' })
  erase(@CurrentStaff() staff: StaffPrincipal, @Param() { id }: TipIdParams, @Body() body: EraseTipDto): Promise<ErasureSummary> {
    return this.privacy.erase(staff, id, body.reason);
  }

  @Get('tips/:id/erasure-certificate')
  @Access('admin')
  @ApiOperation({ summary: 'The signed erasure certificate: PDF, or `?format=json` for its JSON twin' })
  @ApiNotFoundResponse({ description: 'ERASURE_CERTIFICATE_NOT_FOUND' })
  async certificate(@Param() { id }: TipIdParams, @Query() query: CertificateQueryDto, @Res() res: Response): Promise<void> {
    await sendCertificate(res, this.privacy, await this.privacy.certificate(id), query.format);
  }

  @Get('erasure-requests')
  @Access('admin')
  @Header('Cache-Control', 'no-store')
  @ApiOperation({ summary: 'Contributors’ open erasure requests, oldest first' })
  pending(): Promise<ErasureRequestRow[]> {
    return this.privacy.pendingRequests();
  }

  @Post('erasure-requests/:id/carry-out')
  @Access('admin')
  @HttpCode(200)
  @ApiOperation({ summary: 'Carry out a contributor’s request (the erasure, as POST /api/tips/:id/erase)' })
  @ApiNotFoundResponse({ description: 'ERASURE_REQUEST_NOT_FOUND' })
  @ApiConflictResponse({ description: 'TIP_ON_LEGAL_HOLD, TIP_ERASED, TIP_PAYOUT_IN_FLIGHT' })
  carryOut(@CurrentStaff() staff: StaffPrincipal, @Param() { id }: ErasureRequestIdParams): Promise<ErasureSummary> {
    return this.privacy.carryOut(staff, id);
  }

  @Post('erasure-requests/:id/decline')
  @Access('admin')
  @HttpCode(204)
  @ApiOperation({ summary: 'Decline a contributor’s request, saying why (they read it on /status)' })
  @ApiNotFoundResponse({ description: 'ERASURE_REQUEST_NOT_FOUND' })
  decline(@CurrentStaff() staff: StaffPrincipal, @Param() { id }: ErasureRequestIdParams, @Body() body: DeclineErasureDto): Promise<void> {
    return this.privacy.decline(staff, id, body.reason);
  }

  @Post('contributor/erasure-request')
  @Access('contributor')
  @ApiOperation({ summary: '“Delete my tip and my details”: the signed-in contributor’s request, for an admin to carry out' })
  @ApiForbiddenResponse({ description: 'TIP_NOT_YOURS: `reference` names another tip than the session’s' })
  @ApiConflictResponse({ description: 'TIP_ERASED' })
  @ApiOkResponse({ description: 'The request (state pending)' })
  request(@CurrentContributor() caller: ContributorCaller, @Body() body: ErasureRequestDto): Promise<ErasureRequestRow> {
    return this.privacy.requestErasure(caller.tipId, body.reference);
  }

  @Get('contributor/erasure-certificate')
  @Access('contributor')
  @ApiOperation({ summary: 'The contributor’s copy of the certificate, once their request was carried out' })
  @ApiNotFoundResponse({ description: 'ERASURE_CERTIFICATE_NOT_FOUND' })
  async contributorCertificate(@CurrentContributor() caller: ContributorCaller, @Query() query: CertificateQueryDto, @Res() res: Response): Promise<void> {
    await sendCertificate(res, this.privacy, await this.privacy.certificateForContributor(caller.tipId), query.format);
  }
}
