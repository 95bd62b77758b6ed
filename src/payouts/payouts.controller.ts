import { Body, Controller, Get, Header, HttpCode, Param, Post, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiForbiddenResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { Access, CurrentStaff, type StaffPrincipal } from '../staff/access.js';
import {
  ApprovePayoutDto,
  ClearRiskDto,
  ConflictWaiverDto,
  ListPayoutsQueryDto,
  MarkPaidDto,
  OfferPayoutDto,
  PayoutDetailDto,
  PayoutDto,
  PayoutIdParams,
  PayoutPageDto,
  PayoutReasonDto,
  PayoutTotalDto,
  PayoutVersionDto,
  TipIdParams,
} from './dto/payouts.dto.js';
import { PayoutsService } from './payouts.service.js';

const CONFLICTS = 'PAYOUT_STALE_VERSION (body has `current`), PAYOUT_ILLEGAL_TRANSITION (`from`, `to`, `allowed`)';

/** Offers from the tip page. */
@ApiTags('payouts')
@Controller('api/tips/:id/payouts')
export class TipPayoutsController {
  constructor(private readonly payouts: PayoutsService) {}

  @Post()
  @Access('editor', 'admin')
  @ApiOperation({ summary: 'Offer payment for a tip (amount in minor units, currency, licence, legal flags)' })
  @ApiCreatedResponse({ type: PayoutDetailDto })
  @ApiBadRequestResponse({ description: 'VALIDATION_FAILED: amountMinor not a whole number from 1 to 1,000,000,000, unknown currency or licence' })
  @ApiNotFoundResponse({ description: 'TIP_NOT_FOUND' })
  offer(@CurrentStaff() staff: StaffPrincipal, @Param() { id }: TipIdParams, @Body() body: OfferPayoutDto): Promise<PayoutDetailDto> {
    return this.payouts.offer(staff, id, body);
  }

  @Post('waivers')
  @Access('admin')
  @ApiOperation({ summary: 'Let one staff member who logged this tip or saw its secret offer on it all the same (their payouts then carry LOGGED_BY_OFFERER)' })
  @ApiCreatedResponse({ description: '{tipId, staffId, reason}' })
  @ApiForbiddenResponse({ description: 'PAYOUT_CONFLICT_OF_INTEREST: you hold the secret yourself, or the waiver would be for you' })
  @ApiConflictResponse({ description: 'PAYOUT_WAIVER_NOT_NEEDED, PAYOUT_WAIVER_EXISTS' })
  waive(
    @CurrentStaff() staff: StaffPrincipal,
    @Param() { id }: TipIdParams,
    @Body() body: ConflictWaiverDto,
  ): Promise<{ tipId: string; staffId: string; reason: string }> {
    return this.payouts.waiveConflict(staff, id, body);
  }

  @Get()
  @Access('editor', 'admin', 'accounting')
  @Header('Cache-Control', 'no-store')
  @ApiOperation({ summary: 'The payouts of one tip, oldest first (payee masked)' })
  @ApiOkResponse({ type: [PayoutDto] })
  @ApiNotFoundResponse({ description: 'TIP_NOT_FOUND' })
  forTip(@Param() { id }: TipIdParams): Promise<PayoutDto[]> {
    return this.payouts.forTip(id);
  }
}

/** Accounting's side: approvals, holds, results from the bank. */
@ApiTags('payouts')
@Controller('api/payouts')
export class PayoutsController {
  constructor(private readonly payouts: PayoutsService) {}

  @Get()
  @Access('accounting', 'admin')
  @Header('Cache-Control', 'no-store')
  @ApiOperation({ summary: 'Payouts newest first, optionally one state; keyset pages (pass `nextCursor` back as `cursor`)' })
  @ApiOkResponse({ type: PayoutPageDto })
  @ApiBadRequestResponse({ description: 'VALIDATION_FAILED or INVALID_CURSOR' })
  list(@Query() query: ListPayoutsQueryDto): Promise<PayoutPageDto> {
    return this.payouts.list(query);
  }

  @Get('totals')
  @Access('accounting', 'admin')
  @Header('Cache-Control', 'no-store')
  @ApiOperation({ summary: 'Count and total (minor units) per currency and state' })
  @ApiOkResponse({ type: [PayoutTotalDto] })
  totals(): Promise<PayoutTotalDto[]> {
    return this.payouts.totals();
  }

  @Get(':id')
  @Access('accounting', 'admin')
  @Header('Cache-Control', 'no-store')
  @ApiOperation({ summary: 'One payout with its history; the payee only masked' })
  @ApiOkResponse({ type: PayoutDetailDto })
  @ApiNotFoundResponse({ description: 'PAYOUT_NOT_FOUND' })
  get(@Param() { id }: PayoutIdParams): Promise<PayoutDetailDto> {
    return this.payouts.get(id);
  }

  @Post(':id/approve')
  @HttpCode(200)
  @Access('accounting', 'admin')
  @ApiOperation({ summary: 'accepted → approved, by someone other than the person who offered it' })
  @ApiOkResponse({ type: PayoutDetailDto })
  @ApiForbiddenResponse({
    description:
      'PAYOUT_OWN_OFFER, PAYOUT_CONFLICT_OF_INTEREST (logged the tip, saw its secret, or the payee was typed in your browser), PAYOUT_RISK_NEEDS_ADMIN',
  })
  @ApiConflictResponse({
    description: `${CONFLICTS}, PAYOUT_LEGAL_SIGN_OFF_REQUIRED, PAYOUT_RISKS_NOT_ACKNOWLEDGED (\`risks\` lists them), PAYOUT_ALREADY_APPROVED_BY_YOU`,
  })
  approve(@CurrentStaff() staff: StaffPrincipal, @Param() { id }: PayoutIdParams, @Body() body: ApprovePayoutDto): Promise<PayoutDetailDto> {
    return this.payouts.approve(staff, id, body);
  }

  @Post(':id/clear-risk')
  @HttpCode(200)
  @Access('admin')
  @ApiOperation({ summary: 'An admin clears one risk before approval, with a reason (recorded in the payout’s events)' })
  @ApiOkResponse({ type: PayoutDetailDto })
  @ApiForbiddenResponse({ description: 'PAYOUT_CONFLICT_OF_INTEREST, PAYOUT_OWN_OFFER' })
  @ApiConflictResponse({
    description: 'PAYOUT_STALE_VERSION, PAYOUT_RISK_NOT_PRESENT, PAYOUT_RISK_NOT_CLEARABLE, PAYOUT_RISK_ALREADY_CLEARED, PAYOUT_NOT_AWAITING_APPROVAL',
  })
  clearRisk(@CurrentStaff() staff: StaffPrincipal, @Param() { id }: PayoutIdParams, @Body() body: ClearRiskDto): Promise<PayoutDetailDto> {
    return this.payouts.clearRisk(staff, id, body);
  }

  @Post(':id/hold')
  @HttpCode(200)
  @Access('accounting', 'admin')
  @ApiOperation({ summary: 'accepted or approved → held (reason required)' })
  @ApiOkResponse({ type: PayoutDetailDto })
  @ApiConflictResponse({ description: CONFLICTS })
  hold(@CurrentStaff() staff: StaffPrincipal, @Param() { id }: PayoutIdParams, @Body() body: PayoutReasonDto): Promise<PayoutDetailDto> {
    return this.payouts.hold(staff, id, body);
  }

  @Post(':id/release')
  @HttpCode(200)
  @Access('accounting', 'admin')
  @ApiOperation({ summary: 'held → accepted (to be approved again)' })
  @ApiOkResponse({ type: PayoutDetailDto })
  @ApiConflictResponse({ description: CONFLICTS })
  release(@CurrentStaff() staff: StaffPrincipal, @Param() { id }: PayoutIdParams, @Body() body: PayoutVersionDto): Promise<PayoutDetailDto> {
    return this.payouts.release(staff, id, body);
  }

  @Post(':id/cancel')
  @HttpCode(200)
  @Access('editor', 'accounting', 'admin')
  @ApiOperation({ summary: 'Cancel before it is in a batch (editors: only their own offers; reason required)' })
  @ApiOkResponse({ type: PayoutDetailDto })
  @ApiForbiddenResponse({ description: 'PAYOUT_NOT_YOUR_OFFER' })
  @ApiConflictResponse({ description: CONFLICTS })
  cancel(@CurrentStaff() staff: StaffPrincipal, @Param() { id }: PayoutIdParams, @Body() body: PayoutReasonDto): Promise<PayoutDetailDto> {
    return this.payouts.cancel(staff, id, body);
  }

  @Post(':id/legal-sign-off')
  @HttpCode(200)
  @Access('admin')
  @ApiOperation({ summary: 'Record legal sign-off for a payout flagged under Editors’ Code cl. 15/16' })
  @ApiOkResponse({ type: PayoutDetailDto })
  @ApiConflictResponse({ description: `PAYOUT_STALE_VERSION, PAYOUT_NOT_LEGALLY_FLAGGED, PAYOUT_ALREADY_SIGNED_OFF` })
  legalSignOff(@CurrentStaff() staff: StaffPrincipal, @Param() { id }: PayoutIdParams, @Body() body: PayoutVersionDto): Promise<PayoutDetailDto> {
    return this.payouts.legalSignOff(staff, id, body);
  }

  @Post(':id/mark-paid')
  @HttpCode(200)
  @Access('accounting', 'admin')
  @ApiOperation({ summary: 'batched → paid, with the bank’s reference' })
  @ApiOkResponse({ type: PayoutDetailDto })
  @ApiConflictResponse({ description: CONFLICTS })
  markPaid(@CurrentStaff() staff: StaffPrincipal, @Param() { id }: PayoutIdParams, @Body() body: MarkPaidDto): Promise<PayoutDetailDto> {
    return this.payouts.markPaid(staff, id, body);
  }

  @Post(':id/mark-failed')
  @HttpCode(200)
  @Access('accounting', 'admin')
  @ApiOperation({ summary: 'batched → failed, with the reason (e.g. a Bacs ARUCS return code)' })
  @ApiOkResponse({ type: PayoutDetailDto })
  @ApiConflictResponse({ description: CONFLICTS })
  markFailed(@CurrentStaff() staff: StaffPrincipal, @Param() { id }: PayoutIdParams, @Body() body: PayoutReasonDto): Promise<PayoutDetailDto> {
    return this.payouts.markFailed(staff, id, body);
  }

  @Post(':id/reissue')
  @Access('accounting', 'admin')
  @ApiOperation({ summary: 'A failed payout reissued as a new payout (accepted, pointing to it) that needs approval again' })
  @ApiCreatedResponse({ type: PayoutDetailDto })
  @ApiConflictResponse({ description: 'PAYOUT_STALE_VERSION, PAYOUT_NOT_FAILED, PAYOUT_ALREADY_REISSUED' })
  reissue(@CurrentStaff() staff: StaffPrincipal, @Param() { id }: PayoutIdParams, @Body() body: PayoutVersionDto): Promise<PayoutDetailDto> {
    return this.payouts.reissue(staff, id, body);
  }
}
