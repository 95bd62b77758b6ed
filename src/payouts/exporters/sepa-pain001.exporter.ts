import { isValidIBAN, isValidBIC } from 'ibantools';
import type { XMLBuilder } from 'fast-xml-parser';
import type { Payer } from '../../config/app-config.js';
import { sepaText } from './bank-text.js';
import { checkAmount, checkControl, eachItem, requireField } from './export-items.js';
import { ExportError, type BatchFile, type ExportItem, type Exporter } from './export-types.js';
import { formatMinor } from './money.js';
import { payerField } from './payer-fields.js';

const PAIN_001_001_03 = 'urn:iso:std:iso:20022:tech:xsd:pain.001.001.03';
const TRANSACTIONS_GO_HERE = 'TIPDESK-TRANSACTIONS-GO-HERE';
let builder: Promise<XMLBuilder> | undefined;

/** fast-xml-parser (4.5 MB resident) loads with the first SEPA file, not at start: most processes never write one. */
function xmlBuilder(): Promise<XMLBuilder> {
  builder ??= import('fast-xml-parser').then(
    ({ XMLBuilder }) => new XMLBuilder({ ignoreAttributes: false, attributeNamePrefix: '@_', format: true, indentBy: '  ', processEntities: true }),
  );
  return builder;
}

export function fitsSepa(item: ExportItem): boolean {
  return item.payee.method === 'iban' && item.currency === 'EUR';
}

/** ISODateTime without fractions, in UTC: "2026-11-25T09:30:00". */
function isoDateTime(date: Date): string {
  return date.toISOString().slice(0, 19);
}

async function controlOf(file: BatchFile): Promise<{ count: number; totalMinor: number }> {
  if (file.control) return file.control;
  if (!Array.isArray(file.items)) {
    throw new ExportError(
      'EXPORT_NEEDS_CONTROL',
      'A streamed sepa-pain001 batch must declare its count and total (BatchFile.control): the group header states them first',
    );
  }
  return { count: file.items.length, totalMinor: file.items.reduce((sum, item) => sum + checkAmount(item), 0) };
}

/**
 * ISO 20022 pain.001.001.03 credit transfer for EUR payees, one PmtInf, written with
 * fast-xml-parser's XMLBuilder: the builder renders the document around a placeholder
 * transaction once, then each CdtTrfTxInf on its own as the payouts stream past, and every
 * text and attribute is escaped by the builder. (xmlbuilder2 was tried first: its DOM costs
 * about a millisecond a transaction, nearly two minutes for 100,000.) The group header states
 * NbOfTxs and CtrlSum before the first transaction, so a streamed batch declares them
 * (BatchFile.control) and is checked against them at the end.
 */
async function* writeSepa(file: BatchFile, payer: Payer): AsyncGenerator<string> {
  const debtorName = sepaText(payerField(payer, 'sepaDebtorName'), 70);
  const debtorIban = payerField(payer, 'sepaDebtorIban');
  const debtorBic = payerField(payer, 'sepaDebtorBic');
  const control = await controlOf(file);
  if (control.count === 0) throw new ExportError('EXPORT_EMPTY', 'A SEPA file needs at least one payout');
  const messageId = sepaText(file.batchReference, 35);
  const ctrlSum = formatMinor(control.totalMinor, 'EUR');
  const XML = await xmlBuilder();

  const document = XML.build({
    '?xml': { '@_version': '1.0', '@_encoding': 'UTF-8' },
    Document: {
      '@_xmlns': PAIN_001_001_03,
      CstmrCdtTrfInitn: {
        GrpHdr: {
          MsgId: messageId,
          CreDtTm: isoDateTime(file.createdAt),
          NbOfTxs: String(control.count),
          CtrlSum: ctrlSum,
          InitgPty: { Nm: debtorName },
        },
        PmtInf: {
          PmtInfId: messageId,
          PmtMtd: 'TRF',
          BtchBookg: 'true',
          NbOfTxs: String(control.count),
          CtrlSum: ctrlSum,
          PmtTpInf: { SvcLvl: { Cd: 'SEPA' } },
          ReqdExctnDt: file.processingDate.toISOString().slice(0, 10),
          Dbtr: { Nm: debtorName },
          DbtrAcct: { Id: { IBAN: debtorIban } },
          DbtrAgt: { FinInstnId: { BIC: debtorBic } },
          ChrgBr: 'SLEV',
          CdtTrfTxInf: TRANSACTIONS_GO_HERE,
        },
      },
    },
  }) as string;
  const placeholder = `<CdtTrfTxInf>${TRANSACTIONS_GO_HERE}</CdtTrfTxInf>\n`;
  const at = document.indexOf(placeholder);
  const lineStart = document.lastIndexOf('\n', at) + 1;
  const indent = document.slice(lineStart, at);
  yield document.slice(0, lineStart);

  let count = 0;
  let total = 0;
  for await (const item of eachItem(file)) {
    const transaction = XML.build({ CdtTrfTxInf: transactionOf(item) }) as string;
    // Re-indent to the depth of the placeholder; no text node holds a newline (sepaText).
    yield transaction.replace(/^(?=.)/gm, indent);
    count += 1;
    total += item.amountMinor;
  }
  checkControl({ ...file, control }, count, total);
  yield document.slice(at + placeholder.length);
}

function transactionOf(item: ExportItem): Record<string, unknown> {
  if (!fitsSepa(item)) {
    throw new ExportError('EXPORT_DOES_NOT_FIT', `Payout ${item.payoutId} (${item.payee.method}, ${item.currency}) cannot go in a sepa-pain001 file`);
  }
  const iban = requireField(item.payee.iban, 'IBAN', item).replace(/\s+/g, '').toUpperCase();
  const bic = item.payee.bic?.replace(/\s+/g, '').toUpperCase();
  if (!isValidIBAN(iban) || (bic && !isValidBIC(bic))) {
    throw new ExportError('EXPORT_BAD_ACCOUNT', `Payout ${item.payoutId} has an invalid IBAN or BIC`);
  }
  return {
    PmtId: { EndToEndId: sepaText(item.bankReference, 35) || 'NOTPROVIDED' },
    Amt: { InstdAmt: { '@_Ccy': 'EUR', '#text': formatMinor(checkAmount(item), 'EUR') } },
    // pain.001.001.03 makes CdtrAgt optional; SEPA has been IBAN-only since 2016, so it is left out without a BIC.
    ...(bic ? { CdtrAgt: { FinInstnId: { BIC: bic } } } : {}),
    Cdtr: { Nm: sepaText(item.payee.accountName, 70) || 'NOTPROVIDED' },
    CdtrAcct: { Id: { IBAN: iban } },
    RmtInf: { Ustrd: sepaText(`${item.bankReference} tip ${item.ledger.tipReference}`, 140) },
  };
}

export const sepaPain001Exporter: Exporter = {
  format: 'sepa-pain001',
  contentType: 'application/xml; charset=utf-8',
  extension: 'xml',
  fits: fitsSepa,
  write: writeSepa,
};
