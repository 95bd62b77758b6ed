import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  Equals,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUUID,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateNested,
} from 'class-validator';
import { KeysetPageQuery } from '../../http/keyset-page.js';
import { blankToUndefined } from '../../http/transforms.js';
import { LICENCES, type Licence } from '../../tips/tips.entities.js';
import { ACCOUNT_NAME_MAX } from '../payee-details.js';
import { PAYOUT_RISK_CODES, type PayoutRiskCode } from '../risks/risk-codes.js';
import {
  AMOUNT_MINOR_MAX,
  BATCH_STATES,
  CURRENCIES,
  PAYEE_METHODS,
  PAYOUT_STATES,
  type BatchState,
  type Currency,
  type PayeeMethod,
  type PayoutState,
} from '../payouts.entities.js';

export const PAYOUT_PAGE_SIZE_DEFAULT = 50;
export const PAYOUT_PAGE_SIZE_MAX = 100;
const AMOUNT_RULE = `amountMinor must be a whole number of minor units (pence, cents) from 1 to ${AMOUNT_MINOR_MAX}`;
const VERSION_RULE = 'version must be the whole number from the payout you read';

export class PayoutIdParams {
  @IsUUID('all', { message: 'Not a valid payout id' })
  id: string;
}

export class LegalFlagsDto {
  @ApiProperty({ description: 'Editors’ Code cl. 15: the contributor may be a witness in active criminal proceedings' })
  @IsBoolean({ message: 'witness must be true or false' })
  witness: boolean;

  @ApiProperty({ description: 'Editors’ Code cl. 16: the payment is in connection with a crime' })
  @IsBoolean({ message: 'crime must be true or false' })
  crime: boolean;
}

export class OfferPayoutDto {
  @ApiProperty({ minimum: 1, maximum: AMOUNT_MINOR_MAX, example: 25000, description: 'Minor units: 25000 is £250.00' })
  @IsInt({ message: AMOUNT_RULE })
  @Min(1, { message: AMOUNT_RULE })
  @Max(AMOUNT_MINOR_MAX, { message: AMOUNT_RULE })
  amountMinor: number;

  @ApiProperty({ enum: CURRENCIES })
  @IsIn(CURRENCIES, { message: `currency must be one of ${CURRENCIES.join(', ')}` })
  currency: Currency;

  @ApiProperty({ enum: LICENCES })
  @IsIn(LICENCES, { message: `licence must be one of ${LICENCES.join(', ')}` })
  licence: Licence;

  @ApiPropertyOptional({ type: LegalFlagsDto, description: 'Either flag holds approval until an admin records legal sign-off' })
  @IsOptional()
  @ValidateNested()
  @Type(() => LegalFlagsDto)
  legalFlags?: LegalFlagsDto;
}

/** The payout's version the request was made from (compare-and-set: a newer one answers 409). */
export class SeenVersionDto {
  @ApiProperty({ description: 'The version you last saw' })
  @IsInt({ message: VERSION_RULE })
  @Min(1, { message: VERSION_RULE })
  @Max(2_147_483_647, { message: VERSION_RULE })
  version: number;
}

export class PayoutVersionDto {
  @ApiProperty({ description: 'The version you last saw; a newer one answers 409 PAYOUT_STALE_VERSION with the current payout' })
  @IsInt({ message: VERSION_RULE })
  @Min(1, { message: VERSION_RULE })
  @Max(2_147_483_647, { message: VERSION_RULE })
  version: number;

  @ApiPropertyOptional({ maxLength: 500 })
  @Transform(blankToUndefined)
  @IsOptional()
  @IsString()
  @MaxLength(500)
  reason?: string;
}

/** Approve: the version seen, and every risk the approver has read and accepts (by code). */
export class ApprovePayoutDto extends PayoutVersionDto {
  @ApiPropertyOptional({
    enum: PAYOUT_RISK_CODES,
    isArray: true,
    description: 'The codes of the payout’s risks the approver acknowledges; every open risk must be named',
  })
  @IsOptional()
  @IsArray({ message: 'acknowledgeRisks must be a list of risk codes' })
  @ArrayMaxSize(PAYOUT_RISK_CODES.length * 2)
  @IsIn(PAYOUT_RISK_CODES, { each: true, message: `acknowledgeRisks may name only ${PAYOUT_RISK_CODES.join(', ')}` })
  acknowledgeRisks?: PayoutRiskCode[];
}

/** An admin clears one risk before approval, saying why. */
export class ClearRiskDto extends SeenVersionDto {
  @ApiProperty({ enum: PAYOUT_RISK_CODES })
  @IsIn(PAYOUT_RISK_CODES, { message: `code must be one of ${PAYOUT_RISK_CODES.join(', ')}` })
  code: PayoutRiskCode;

  @ApiProperty({ maxLength: 500, description: 'Why the risk is no risk here (kept in the payout’s history)' })
  @Transform(blankToUndefined)
  @IsString({ message: 'Say why the risk can be cleared (reason)' })
  @MinLength(1)
  @MaxLength(500)
  reason: string;
}

/** An admin lets one staff member who logged a tip or saw its secret offer on it all the same. */
export class ConflictWaiverDto {
  @ApiProperty({ description: 'The staff member who may then offer' })
  @IsUUID('all', { message: 'staffId must be a staff member’s id' })
  staffId: string;

  @ApiProperty({ maxLength: 500 })
  @Transform(blankToUndefined)
  @IsString({ message: 'Say why (reason)' })
  @MinLength(1)
  @MaxLength(500)
  reason: string;
}

/** Hold, cancel and mark-failed say why (the payout's history and the contributor's questions need it). */
export class PayoutReasonDto extends SeenVersionDto {
  @ApiProperty({ maxLength: 500 })
  @Transform(blankToUndefined)
  @IsString({ message: 'Say why (reason)' })
  @MinLength(1)
  @MaxLength(500)
  reason: string;
}

export class MarkPaidDto extends SeenVersionDto {
  @ApiProperty({ maxLength: 100, description: 'The bank’s reference for the payment' })
  @Transform(blankToUndefined)
  @IsString({ message: 'Enter the bank’s reference (reference)' })
  @MinLength(1)
  @MaxLength(100)
  reference: string;
}

export class MarkFailedDto extends PayoutReasonDto {}

/** The tip whose payouts a request is about (`/api/tips/:id/payouts`). */
export class TipIdParams {
  @IsUUID('all', { message: 'Not a valid tip id' })
  id: string;
}

export class ListPayoutsQueryDto extends KeysetPageQuery(PAYOUT_PAGE_SIZE_MAX, PAYOUT_PAGE_SIZE_DEFAULT) {
  @ApiPropertyOptional({ enum: PAYOUT_STATES })
  @Transform(blankToUndefined)
  @IsOptional()
  @IsIn(PAYOUT_STATES, { message: `state must be one of ${PAYOUT_STATES.join(', ')}` })
  state?: PayoutState;
}

/** Where to pay: the payee details a contributor gives (validated further by validatePayee). */
export class PayeeDetailsDto {
  @ApiProperty({ enum: PAYEE_METHODS })
  @IsIn(PAYEE_METHODS, { message: `method must be one of ${PAYEE_METHODS.join(', ')}` })
  method: PayeeMethod;

  @ApiProperty({ maxLength: ACCOUNT_NAME_MAX, description: 'Exactly as the bank (or PayPal) has it' })
  @IsString({ message: 'Enter the account holder’s name' })
  @MaxLength(ACCOUNT_NAME_MAX, { message: `The account holder’s name can be at most ${ACCOUNT_NAME_MAX} characters` })
  accountName: string;

  @ApiPropertyOptional({ example: '12-34-56' })
  @IsOptional()
  @IsString()
  @MaxLength(20, { message: 'Enter the 6-digit sort code, e.g. 12-34-56' })
  sortCode?: string;

  @ApiPropertyOptional({ example: '12345678' })
  @IsOptional()
  @IsString()
  @MaxLength(20, { message: 'Enter the 8-digit account number' })
  accountNumber?: string;

  @ApiPropertyOptional({ example: 'GB82 WEST 1234 5698 7654 32' })
  @IsOptional()
  @IsString()
  @MaxLength(50, { message: 'Enter a valid IBAN' })
  iban?: string;

  @ApiPropertyOptional({ example: 'NWBKGB2L' })
  @IsOptional()
  @IsString()
  @MaxLength(20, { message: 'Enter a valid BIC' })
  bic?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(254, { message: 'Enter the email address of your PayPal account' })
  paypalEmail?: string;
}

/** The contributor accepts: re-confirms the licence and says where to pay. */
export class AcceptPayoutDto extends PayeeDetailsDto {
  @ApiProperty({ enum: [true], description: 'The contributor re-confirms the licence terms shown with the offer' })
  @Equals(true, { message: 'Confirm the licence terms to accept (confirmLicence)' })
  confirmLicence: true;
}

export class PayeeSummaryDto {
  @ApiProperty() id: string;
  @ApiProperty() version: number;
  @ApiProperty({ enum: PAYEE_METHODS }) method: PayeeMethod;
  @ApiProperty({ example: '****1234' }) masked: string;
  @ApiProperty({ example: 'J*** S***' }) accountNameMasked: string;
}

export class PayoutEventDto {
  @ApiProperty() at: string;
  @ApiProperty() actorType: string;
  @ApiProperty({ type: String, nullable: true }) actorId: string | null;
  @ApiProperty() role: string;
  @ApiProperty({ type: String, nullable: true }) fromState: PayoutState | null;
  @ApiProperty({ enum: PAYOUT_STATES }) toState: PayoutState;
  @ApiProperty({ type: String, nullable: true }) reason: string | null;
  @ApiProperty({ type: Object, nullable: true, description: 'Risks acknowledged or cleared, who logged the tip or saw its secret, the staff-browser mark' })
  detail: Record<string, unknown> | null;
}

export class PayoutRiskClearingDto {
  @ApiProperty() by: string;
  @ApiProperty() at: string;
}

export class PayoutRiskDto {
  @ApiProperty({ enum: PAYOUT_RISK_CODES }) code: PayoutRiskCode;
  @ApiProperty({ description: 'A plain sentence for the approver' }) message: string;
  @ApiProperty({ description: 'Only an admin may acknowledge or clear it' }) adminOnly: boolean;
  @ApiProperty({ type: PayoutRiskClearingDto, nullable: true, description: 'Cleared by an admin for the current payee details: no acknowledgement needed' })
  cleared: PayoutRiskClearingDto | null;
}

export class PayoutDto {
  @ApiProperty() id: string;
  @ApiProperty() tipId: string;
  @ApiProperty() contributorId: string;
  @ApiProperty() amountMinor: number;
  @ApiProperty({ enum: CURRENCIES }) currency: Currency;
  @ApiProperty({ enum: LICENCES }) licence: Licence;
  @ApiProperty({ enum: PAYOUT_STATES }) state: PayoutState;
  @ApiProperty({ enum: PAYOUT_STATES, isArray: true }) allowedStates: PayoutState[];
  @ApiProperty({ example: 'TIPDESK 7K3Q9XRM' }) bankReference: string;
  @ApiProperty() offeredBy: string;
  @ApiProperty() offeredAt: string;
  @ApiProperty({ type: String, nullable: true }) approvedBy: string | null;
  @ApiProperty({ type: String, nullable: true }) approvedAt: string | null;
  @ApiProperty({ type: String, nullable: true, description: 'Over PAYOUT_SECOND_APPROVAL_MINOR: the first of two approvers (still accepted)' })
  firstApprovedBy: string | null;
  @ApiProperty({ type: String, nullable: true }) firstApprovedAt: string | null;
  @ApiProperty({ type: LegalFlagsDto }) legalFlags: LegalFlagsDto;
  @ApiProperty({ type: String, nullable: true }) legalSignedOffBy: string | null;
  @ApiProperty({ type: String, nullable: true }) legalSignedOffAt: string | null;
  @ApiProperty({ type: PayeeSummaryDto, nullable: true }) payee: PayeeSummaryDto | null;
  @ApiProperty({ type: String, nullable: true }) batchId: string | null;
  @ApiProperty({ enum: BATCH_STATES, nullable: true, description: 'Its batch’s state: it can be settled (paid, failed) only once that is sent' })
  batchState: BatchState | null;
  @ApiProperty({ type: String, nullable: true, description: 'Its batch’s format (`csv` is a ledger export, not a bank file)' }) batchFormat: string | null;
  @ApiProperty({ type: String, nullable: true }) paidReference: string | null;
  @ApiProperty({ type: String, nullable: true }) failureReason: string | null;
  @ApiProperty({ type: String, nullable: true }) replacesPayoutId: string | null;
  @ApiProperty() version: number;
  @ApiProperty() createdAt: string;
  @ApiProperty() updatedAt: string;
}

export class PayoutDetailDto extends PayoutDto {
  @ApiProperty({ type: [PayoutRiskDto], description: 'Each risk with a stable code and a sentence; approving needs every one not cleared in acknowledgeRisks' })
  risks: PayoutRiskDto[];
  @ApiProperty({ type: [PayoutEventDto] }) events: PayoutEventDto[];
}

export class PayoutPageDto {
  @ApiProperty({ type: [PayoutDto] }) items: PayoutDto[];
  @ApiProperty({ type: String, nullable: true }) nextCursor: string | null;
}

export class PayoutTotalDto {
  @ApiProperty({ enum: CURRENCIES }) currency: Currency;
  @ApiProperty({ enum: PAYOUT_STATES }) state: PayoutState;
  @ApiProperty() count: number;
  @ApiProperty() totalMinor: number;
  @ApiProperty({
    type: Object,
    description: 'Open risks by code among these payouts (counted for those awaiting approval: accepted, held)',
    example: { PAYEE_SHARED: 1 },
  })
  risks: Partial<Record<PayoutRiskCode, number>>;
}

/** What a contributor sees of an offer: plain words, and only the masked payee. */
export class ContributorPayoutDto {
  @ApiProperty() id: string;
  @ApiProperty() amountMinor: number;
  @ApiProperty({ enum: CURRENCIES }) currency: Currency;
  @ApiProperty({ enum: LICENCES }) licence: Licence;
  @ApiProperty({ enum: PAYOUT_STATES }) state: PayoutState;
  @ApiProperty({ example: 'We’d like to pay you £250 for exclusive use of your video' }) stateText: string;
  @ApiProperty({ type: String, nullable: true, example: '****1234' }) payeeMasked: string | null;
  @ApiProperty({ enum: PAYEE_METHODS, nullable: true, description: 'How it is paid (once details are given)' }) payeeMethod: PayeeMethod | null;
  @ApiProperty({ example: 'TIPDESK 7K3Q9XRM', description: 'What the contributor’s bank statement will show' }) bankReference: string;
  @ApiProperty({ description: 'When it last moved (paid: when it was marked paid)' }) changedAt: string;
}

/** One move of one of a tip's payouts, for the tip page's history and Payments panel. */
export class TipPayoutEventDto extends PayoutEventDto {
  @ApiProperty() payoutId: string;
  @ApiProperty({ example: 'TIPDESK 7K3Q9XRM' }) bankReference: string;
  @ApiProperty({ type: String, nullable: true, description: 'The batch it went into, for a move into a batch' }) batchFormat: string | null;
}
