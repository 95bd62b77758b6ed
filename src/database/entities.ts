import { AuditEvent, EventChainHead } from '../audit/audit.entities.js';
import { ChannelMessage, ChannelPendingMedia } from '../channels/channels.entities.js';
import { DeskTipView, Message, Note } from '../desk/desk.entities.js';
import { BankStatement, BankStatementImport, BankStatementLine } from '../payouts/bank-statements/bank-statements.entities.js';
import { Media } from '../media/media.entities.js';
import { PayeeDetails, Payout, PayoutBatch, PayoutBatchDownload, PayoutBatchItem, PayoutConflictWaiver, PayoutEvent } from '../payouts/payouts.entities.js';
import { RateLimitPepper, RateLimitWindow } from '../rate-limits/rate-limits.entities.js';
import { PaperSettings, PayerChange } from '../settings/settings.entities.js';
import { Session, SignInThrottle, StaffSetupToken, StaffUser } from '../staff/staff.entities.js';
import { Consent, Contributor, Tip, TipIdempotencyKey } from '../tips/tips.entities.js';
import { ResumableUpload } from '../uploads/uploads.entities.js';

/** Every entity, listed explicitly (globs break when TypeORM loads .ts files under Jest). */
export const ENTITIES = [
  Contributor,
  Tip,
  Consent,
  TipIdempotencyKey,
  Media,
  AuditEvent,
  EventChainHead,
  RateLimitWindow,
  RateLimitPepper,
  StaffUser,
  Session,
  SignInThrottle,
  StaffSetupToken,
  Note,
  Message,
  PayeeDetails,
  PayoutBatch,
  Payout,
  PayoutEvent,
  PayoutBatchItem,
  PayoutBatchDownload,
  PayoutConflictWaiver,
  BankStatementImport,
  BankStatement,
  BankStatementLine,
  ChannelMessage,
  ChannelPendingMedia,
  ResumableUpload,
  DeskTipView,
  PaperSettings,
  PayerChange,
];
