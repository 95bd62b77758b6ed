import { SaxesParser, type SaxesTagNS } from 'saxes';
import type { Readable } from 'node:stream';
import { HttpStatus } from '@nestjs/common';
import { DomainError } from '../../http/errors.js';

/** The camt.053 versions read (their namespaces): 001.02, the one UK and SEPA banks send most, and 001.08. */
export const CAMT053_NAMESPACES: Record<string, string> = {
  'urn:iso:std:iso:20022:tech:xsd:camt.053.001.02': 'camt.053.001.02',
  'urn:iso:std:iso:20022:tech:xsd:camt.053.001.08': 'camt.053.001.08',
};

export class StatementRefusedError extends DomainError {
  constructor(code: string, message: string, status: HttpStatus = HttpStatus.BAD_REQUEST) {
    super(status, code, message);
  }
}

/** One credit transfer (or return) on a statement: an entry, or one transaction of a batched entry. */
export interface StatementLine {
  statementId: string;
  entryReference: string | null;
  endToEndId: string | null;
  remittance: string | null;
  direction: 'DBIT' | 'CRDT';
  reversal: boolean;
  status: string;
  amountText: string;
  currency: string;
  returnCode: string | null;
  returnInfo: string | null;
  bookingDate: string | null;
}

export type StatementEvent =
  { type: 'message'; msgId: string; version: string } | { type: 'statement'; id: string; account: string } | { type: 'line'; line: StatementLine };

interface Tx {
  amountText: string | null;
  currency: string | null;
  endToEndId: string | null;
  entryReference: string | null;
  remittance: string[];
  returnCode: string | null;
  returnInfo: string | null;
}

const newTx = (): Tx => ({ amountText: null, currency: null, endToEndId: null, entryReference: null, remittance: [], returnCode: null, returnInfo: null });
const cut = (text: string | null, max: number) => (text === null ? null : text.trim().slice(0, max) || null);

/**
 * Reads a camt.053 statement as it streams in (saxes, a strict XML parser): never the whole
 * document in memory, at most `maxBytes`. A DOCTYPE (and so any entity: XXE, billion laughs) is
 * refused before it is read; so is anything not XML or not in a camt.053 namespace. Yields the
 * message id, each statement, and each booked transfer as a line, in document order.
 */
export async function* parseCamt053(input: AsyncIterable<Buffer | string> | Readable, maxBytes: number): AsyncGenerator<StatementEvent> {
  const parser = new SaxesParser({ xmlns: true, position: false });
  const queue: StatementEvent[] = [];
  // The open elements as one string (Document/BkToCstmrStmt/Stmt/…) and its prefixes to return to.
  const path: string[] = [];
  let here = '';
  let text = '';
  let failure: Error | null = null;
  let rooted = false;
  let msgId: string | null = null;
  let version = '';
  let stmt: { id: string | null; account: string | null; announced: boolean } | null = null;
  let entry: {
    amountText: string | null;
    currency: string | null;
    direction: string | null;
    reversal: boolean;
    status: string | null;
    reference: string | null;
    bookingDate: string | null;
    txs: Tx[];
    returnCode: string | null;
    returnInfo: string | null;
  } | null = null;
  let tx: Tx | null = null;

  const fail = (error: Error) => {
    failure ??= error;
  };
  const announce = () => {
    if (stmt && !stmt.announced && stmt.id) {
      stmt.announced = true;
      queue.push({ type: 'statement', id: stmt.id, account: stmt.account ?? '' });
    }
  };

  parser.on('doctype', () =>
    fail(
      new StatementRefusedError(
        'STATEMENT_DOCTYPE_REFUSED',
        'The statement declares a DOCTYPE: tipdesk never reads one (entities could reach files or swell without end). Nothing was applied.',
      ),
    ),
  );
  parser.on('error', (error) =>
    fail(new StatementRefusedError('STATEMENT_NOT_XML', `The statement is not well-formed XML: ${error.message.slice(0, 200)}. Nothing was applied.`)),
  );
  parser.on('opentag', (tag: SaxesTagNS) => {
    if (!rooted) {
      rooted = true;
      version = CAMT053_NAMESPACES[tag.uri] ?? '';
      if (tag.local !== 'Document' || !version) {
        fail(
          new StatementRefusedError(
            'STATEMENT_WRONG_NAMESPACE',
            `This is not a camt.053 statement (root <${tag.local}> in ${tag.uri ? `namespace ${tag.uri}` : 'no namespace'}): tipdesk reads camt.053.001.02 and camt.053.001.08. Nothing was applied.`,
          ),
        );
      }
    }
    path.push(here);
    here = here ? `${here}/${tag.local}` : tag.local;
    text = '';
    if (here.endsWith('Stmt/Ntry')) {
      entry = {
        amountText: null,
        currency: null,
        direction: null,
        reversal: false,
        status: null,
        reference: null,
        bookingDate: null,
        txs: [],
        returnCode: null,
        returnInfo: null,
      };
    } else if (here.endsWith('Ntry/NtryDtls/TxDtls')) {
      tx = newTx();
    } else if (/BkToCstmrStmt\/Stmt$/.test(here)) {
      stmt = { id: null, account: null, announced: false };
    }
    if (entry && !tx && tag.local === 'Amt' && here.endsWith('Ntry/Amt')) entry.currency = String(tag.attributes.Ccy?.value ?? '');
    if (tx && tag.local === 'Amt' && /TxDtls\/AmtDtls\/(TxAmt|InstdAmt)\/Amt$/.test(here)) tx.currency = String(tag.attributes.Ccy?.value ?? '');
  });
  parser.on('text', (chunk: string) => {
    text += chunk;
  });
  parser.on('closetag', () => {
    const value = text.trim();
    text = '';
    if (here.endsWith('GrpHdr/MsgId') && msgId === null) {
      msgId = value;
      queue.push({ type: 'message', msgId, version });
    } else if (stmt && /BkToCstmrStmt\/Stmt\/Id$/.test(here)) {
      stmt.id = value;
    } else if (stmt && /BkToCstmrStmt\/Stmt\/Acct\/Id\/(IBAN|Othr\/Id)$/.test(here)) {
      stmt.account = value;
    } else if (entry && !tx) {
      if (here.endsWith('Ntry/Amt')) entry.amountText = value;
      else if (here.endsWith('Ntry/CdtDbtInd')) entry.direction = value;
      else if (here.endsWith('Ntry/RvslInd')) entry.reversal = value === 'true';
      else if (/Ntry\/Sts(\/Cd)?$/.test(here) && value) entry.status = value;
      else if (/Ntry\/BookgDt\/(Dt|DtTm)$/.test(here)) entry.bookingDate = value.slice(0, 10);
      else if (here.endsWith('Ntry/AcctSvcrRef')) entry.reference = value;
      else if (here.endsWith('Stmt/Ntry')) {
        announce();
        const e = entry;
        entry = null;
        const txs = e.txs.length > 0 ? e.txs : [newTx()];
        for (const t of txs) {
          // One transfer of a batch booking carries its own amount; a single one may rely on the entry's.
          const amountText = t.amountText ?? (txs.length === 1 ? e.amountText : null);
          queue.push({
            type: 'line',
            line: {
              statementId: stmt?.id ?? '',
              entryReference: cut(t.entryReference ?? e.reference, 35),
              endToEndId: cut(t.endToEndId, 35),
              remittance: cut(t.remittance.join(' '), 140),
              direction: e.direction === 'CRDT' ? 'CRDT' : 'DBIT',
              reversal: e.reversal,
              status: (e.status ?? '').slice(0, 8),
              amountText: (amountText ?? '').slice(0, 32),
              currency: ((t.amountText ? t.currency : e.currency) ?? '').slice(0, 3),
              returnCode: cut(t.returnCode ?? e.returnCode, 8),
              returnInfo: cut(t.returnInfo ?? e.returnInfo, 140),
              bookingDate: e.bookingDate,
            },
          });
        }
      }
    }
    if (tx) {
      if (/TxDtls\/AmtDtls\/(TxAmt|InstdAmt)\/Amt$/.test(here) && tx.amountText === null) tx.amountText = value;
      else if (here.endsWith('TxDtls/Refs/EndToEndId')) tx.endToEndId = value;
      else if (here.endsWith('TxDtls/Refs/AcctSvcrRef')) tx.entryReference = value;
      else if (here.endsWith('TxDtls/RmtInf/Ustrd')) tx.remittance.push(value);
      else if (here.endsWith('TxDtls/RtrInf/Rsn/Cd')) tx.returnCode = value;
      else if (here.endsWith('TxDtls/RtrInf/AddtlInf')) tx.returnInfo = [tx.returnInfo, value].filter(Boolean).join(' ');
      else if (here.endsWith('Ntry/NtryDtls/TxDtls') && entry) {
        entry.txs.push(tx);
        tx = null;
      }
    }
    here = path.pop() ?? '';
  });

  const decoder = new TextDecoder('utf-8', { fatal: true });
  let bytes = 0;
  try {
    for await (const chunk of input) {
      const buffer = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
      bytes += buffer.length;
      if (bytes > maxBytes)
        throw new StatementRefusedError(
          'STATEMENT_TOO_LARGE',
          `A statement may be at most ${maxBytes} bytes. Nothing was applied.`,
          HttpStatus.PAYLOAD_TOO_LARGE,
        );
      let decoded: string;
      try {
        decoded = decoder.decode(buffer, { stream: true });
      } catch {
        throw new StatementRefusedError('STATEMENT_NOT_XML', 'The statement is not UTF-8 text. Nothing was applied.');
      }
      parser.write(decoded);
      if (failure) throw failure;
      yield* queue.splice(0);
    }
    parser.close();
  } catch (error) {
    throw failure ?? error;
  }
  if (failure) throw failure;
  if (!rooted) throw new StatementRefusedError('STATEMENT_NOT_XML', 'The statement is empty. Nothing was applied.');
  if (!msgId) throw new StatementRefusedError('STATEMENT_INVALID', 'The statement has no message id (GrpHdr/MsgId). Nothing was applied.');
  yield* queue.splice(0);
}
