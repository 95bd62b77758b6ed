import { Body, Controller, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBadRequestResponse, ApiConflictResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AcceptPayoutDto, ContributorPayoutDto, PayeeDetailsDto, PayoutIdParams } from '../payouts/dto/payouts.dto.js';
import { PayoutsService } from '../payouts/payouts.service.js';
import { Access, CurrentContributor, StaffBrowser, type ContributorCaller } from '../staff/access.js';

/** The contributor answers an offer on their own tip; a payout of any other tip is not found. */
@ApiTags('contributor')
@Controller('api/contributor/payouts')
@Access('contributor')
export class ContributorPayoutsController {
  constructor(private readonly payouts: PayoutsService) {}

  @Post(':id/accept')
  @HttpCode(200)
  @ApiOperation({ summary: 'Accept an offer: re-confirm the licence and give payout details' })
  @ApiOkResponse({ type: ContributorPayoutDto })
  @ApiBadRequestResponse({
    description: 'VALIDATION_FAILED, `fields` naming each bad field (sortCode, accountNumber, iban, bic, paypalEmail, accountName, confirmLicence)',
  })
  @ApiNotFoundResponse({ description: 'PAYOUT_NOT_FOUND (also for a payout of another tip)' })
  @ApiConflictResponse({ description: 'PAYOUT_ILLEGAL_TRANSITION: the offer was cancelled, declined or already accepted' })
  accept(
    @CurrentContributor() caller: ContributorCaller,
    @Param() { id }: PayoutIdParams,
    @Body() body: AcceptPayoutDto,
    @StaffBrowser() staffBrowser: { staffId: string | null } | null,
  ): Promise<ContributorPayoutDto> {
    return this.payouts.accept(caller.tipId, id, body, staffBrowser);
  }

  @Post('payee-details')
  @HttpCode(200)
  @ApiOperation({ summary: 'Change where to pay: new payee details for every payout not yet in a batch (approved ones go on hold)' })
  @ApiOkResponse({ type: [ContributorPayoutDto] })
  @ApiBadRequestResponse({ description: 'VALIDATION_FAILED, `fields` naming each bad field' })
  @ApiConflictResponse({ description: 'PAYOUT_NO_PAYEE_YET: accept an offer first' })
  changePayee(
    @CurrentContributor() caller: ContributorCaller,
    @Body() body: PayeeDetailsDto,
    @StaffBrowser() staffBrowser: { staffId: string | null } | null,
  ): Promise<ContributorPayoutDto[]> {
    return this.payouts.changePayee(caller.tipId, body, staffBrowser);
  }

  @Post(':id/decline')
  @HttpCode(200)
  @ApiOperation({ summary: 'Decline an offer' })
  @ApiOkResponse({ type: ContributorPayoutDto })
  @ApiNotFoundResponse({ description: 'PAYOUT_NOT_FOUND' })
  @ApiConflictResponse({ description: 'PAYOUT_ILLEGAL_TRANSITION' })
  decline(@CurrentContributor() caller: ContributorCaller, @Param() { id }: PayoutIdParams): Promise<ContributorPayoutDto> {
    return this.payouts.decline(caller.tipId, id);
  }
}
