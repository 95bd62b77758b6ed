import { isValidIBAN, isValidBIC } from 'ibantools';
import { createCB } from 'xmlbuilder2';
import type { Payer } from '../../config/app-config.js';
import { sepaText } from './bank-text.js';
import { checkAmount, checkControl, eachItem, requireField } from './export-items.js';
import { ExportError, type BatchFile, type ExportItem, type Exporter } from './export-types.js';
import { formatMinor } from './money.js';
import { payerField } from './payer-fields.js';

const PAIN_001_001_03 = 'urn:iso:std:iso:20022:tech:xsd:pain.001.001.03';

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
    throw new ExportError('EXPORT_NEEDS_CONTROL', 'A streamed sepa-pain001 batch must declare its count and total (BatchFile.control): the group header states them first');
  }
  return { count: file.items.length, totalMinor: file.items.reduce((sum, item) => sum + checkAmount(item), 0) };
}

/**
 * ISO 20022 pain.001.001.03 credit transfer for EUR payees, one PmtInf. Built with
 * xmlbuilder2's callback builder, which hands out the serialised XML as each element is
 * added: the document streams one CdtTrfTxInf at a time and every text and attribute is
 * escaped by the builder. The group header states NbOfTxs and CtrlSum before the first
 * transaction, so a streamed batch declares them (BatchFile.control) and is checked against
 * them at the end.
 */
async function* writeSepa(file: BatchFile, payer: Payer): AsyncGenerator<string> {
  const debtorName = sepaText(payerField(payer, 'sepaDebtorName'), 70);
  const debtorIban = payerField(payer, 'sepaDebtorIban');
  const debtorBic = payerField(payer, 'sepaDebtorBic');
  const control = await controlOf(file);
  if (control.count === 0) throw new ExportError('EXPORT_EMPTY', 'A SEPA file needs at least one payout');
  const messageId = sepaText(file.batchReference, 35);
  const ctrlSum = formatMinor(control.totalMinor, 'EUR');

  let pending: string[] = [];
  const xml = createCB({ data: (text: string) => pending.push(text), prettyPrint: true, indent: '  ', newline: '\n' });
  const flush = () => {
    const out = pending.join('');
    pending = [];
    return out;
  };

  xml.dec({ version: '1.0', encoding: 'UTF-8' });
  const root = xml.ele(PAIN_001_001_03, 'Document').ele('CstmrCdtTrfInitn');
  root
    .ele('GrpHdr')
    .ele('MsgId').txt(messageId).up()
    .ele('CreDtTm').txt(isoDateTime(file.createdAt)).up()
    .ele('NbOfTxs').txt(String(control.count)).up()
    .ele('CtrlSum').txt(ctrlSum).up()
    .ele('InitgPty').ele('Nm').txt(debtorName).up().up()
    .up();
  const payment = root
    .ele('PmtInf')
    .ele('PmtInfId').txt(messageId).up()
    .ele('PmtMtd').txt('TRF').up()
    .ele('BtchBookg').txt('true').up()
    .ele('NbOfTxs').txt(String(control.count)).up()
    .ele('CtrlSum').txt(ctrlSum).up()
    .ele('PmtTpInf').ele('SvcLvl').ele('Cd').txt('SEPA').up().up().up()
    .ele('ReqdExctnDt').txt(file.processingDate.toISOString().slice(0, 10)).up()
    .ele('Dbtr').ele('Nm').txt(debtorName).up().up()
    .ele('DbtrAcct').ele('Id').ele('IBAN').txt(debtorIban).up().up().up()
    .ele('DbtrAgt').ele('FinInstnId').ele('BIC').txt(debtorBic).up().up().up()
    .ele('ChrgBr').txt('SLEV').up();
  yield flush();

  let count = 0;
  let total = 0;
  for await (const item of eachItem(file)) {
    if (!fitsSepa(item)) {
      throw new ExportError('EXPORT_DOES_NOT_FIT', `Payout ${item.payoutId} (${item.payee.method}, ${item.currency}) cannot go in a sepa-pain001 file`);
    }
    const iban = requireField(item.payee.iban, 'IBAN', item).replace(/\s+/g, '').toUpperCase();
    const bic = item.payee.bic?.replace(/\s+/g, '').toUpperCase();
    if (!isValidIBAN(iban) || (bic && !isValidBIC(bic))) {
      throw new ExportError('EXPORT_BAD_ACCOUNT', `Payout ${item.payoutId} has an invalid IBAN or BIC`);
    }
    const tx = payment.ele('CdtTrfTxInf');
    tx.ele('PmtId').ele('EndToEndId').txt(sepaText(item.bankReference, 35) || 'NOTPROVIDED').up().up();
    tx.ele('Amt').ele('InstdAmt', { Ccy: 'EUR' }).txt(formatMinor(checkAmount(item), 'EUR')).up().up();
    // pain.001.001.03 makes CdtrAgt optional; SEPA has been IBAN-only since 2016, so it is left out without a BIC.
    if (bic) tx.ele('CdtrAgt').ele('FinInstnId').ele('BIC').txt(bic).up().up().up();
    tx.ele('Cdtr').ele('Nm').txt(sepaText(item.payee.accountName, 70) || 'NOTPROVIDED').up().up();
    tx.ele('CdtrAcct').ele('Id').ele('IBAN').txt(iban).up().up().up();
    tx.ele('RmtInf').ele('Ustrd').txt(sepaText(`${item.bankReference} tip ${item.ledger.tipReference}`, 140)).up().up();
    tx.up();
    count += 1;
    total += item.amountMinor;
    yield flush();
  }
  checkControl({ ...file, control }, count, total);
  payment.up();
  root.up();
  xml.end();
  yield `${flush()}\n`;
}

export const sepaPain001Exporter: Exporter = {
  format: 'sepa-pain001',
  contentType: 'application/xml; charset=utf-8',
  extension: 'xml',
  fits: fitsSepa,
  write: writeSepa,
};
