import { Initial1795597798845 } from './1795597798845-Initial.js';
import { AuditEventsAppendOnly1795597800000 } from './1795597800000-AuditEventsAppendOnly.js';
import { StaffAndDesk1795604037973 } from './1795604037973-StaffAndDesk.js';
import { DeskSearchIndexes1795604037974 } from './1795604037974-DeskSearchIndexes.js';
import { Payouts1795607572269 } from './1795607572269-Payouts.js';
import { Channels1796030407045 } from './1796030407045-Channels.js';
import { MediaUnprobed1796100000000 } from './1796100000000-MediaUnprobed.js';
import { Uploads1796100000100 } from './1796100000100-Uploads.js';
import { MediaVirusScan1796100000200 } from './1796100000200-MediaVirusScan.js';
import { PayoutBatchItemsLive1796100000300 } from './1796100000300-PayoutBatchItemsLive.js';
import { PaperSettingsAndDeskNews1797000000000 } from './1797000000000-PaperSettingsAndDeskNews.js';
import { SettlementGuards1797100000000 } from './1797100000000-SettlementGuards.js';
import { PayoutRisks1797100000100 } from './1797100000100-PayoutRisks.js';
import { EventHashChain1797100000200 } from './1797100000200-EventHashChain.js';
import { BankStatements1797100000300 } from './1797100000300-BankStatements.js';
import { NoAddressKept1797200000000 } from './1797200000000-NoAddressKept.js';
import { PrivacyErasure1797300000000 } from './1797300000000-PrivacyErasure.js';
import { KeyRotationPayeeDetails1797400000000 } from './1797400000000-KeyRotationPayeeDetails.js';
import { RateLimitWindowBytes1797500000000 } from './1797500000000-RateLimitWindowBytes.js';
import { PowSolutions1797500000100 } from './1797500000100-PowSolutions.js';
import { ChannelMessagesPerSender1797600000000 } from './1797600000000-ChannelMessagesPerSender.js';
import { SessionChangeNotifications1797700000000 } from './1797700000000-SessionChangeNotifications.js';

// Every migration, in order. Add each generated one here (see README "Migrations"): TypeORM's
// glob loading breaks under Jest's ESM mode.
export const MIGRATIONS = [
  Initial1795597798845,
  AuditEventsAppendOnly1795597800000,
  StaffAndDesk1795604037973,
  DeskSearchIndexes1795604037974,
  Payouts1795607572269,
  Channels1796030407045,
  MediaUnprobed1796100000000,
  Uploads1796100000100,
  MediaVirusScan1796100000200,
  PayoutBatchItemsLive1796100000300,
  PaperSettingsAndDeskNews1797000000000,
  SettlementGuards1797100000000,
  PayoutRisks1797100000100,
  EventHashChain1797100000200,
  BankStatements1797100000300,
  NoAddressKept1797200000000,
  PrivacyErasure1797300000000,
  KeyRotationPayeeDetails1797400000000,
  RateLimitWindowBytes1797500000000,
  PowSolutions1797500000100,
  ChannelMessagesPerSender1797600000000,
  SessionChangeNotifications1797700000000,
];
