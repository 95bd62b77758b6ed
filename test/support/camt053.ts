// camt.053 bank statements as a bank would send them, for the import tests (checked against the
// official ISO 20022 XSDs in test/fixtures/ with xmllint).

export interface StatementEntry {
  /** The reference tipdesk wrote into the bank file (the end-to-end id); omitted: none. */
  endToEndId?: string;
  remittance?: string;
  /** e.g. '250.00' */
  amount: string;
  currency?: string;
  direction?: 'DBIT' | 'CRDT';
  status?: 'BOOK' | 'PDNG';
  /** A return: RtrInf with this reason code. */
  returnCode?: string;
  returnInfo?: string;
  bankReference?: string;
  reversal?: boolean;
}

export interface StatementOptions {
  msgId: string;
  statementId?: string;
  iban?: string;
  version?: '02' | '08';
  entries: Iterable<StatementEntry>;
}

const escape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function entryXml(e: StatementEntry, n: number, version: '02' | '08'): string {
  const ccy = e.currency ?? 'GBP';
  const status = e.status ?? 'BOOK';
  const tx = [
    e.endToEndId ? `<Refs><EndToEndId>${escape(e.endToEndId)}</EndToEndId></Refs>` : '',
    `<AmtDtls><TxAmt><Amt Ccy="${ccy}">${e.amount}</Amt></TxAmt></AmtDtls>`,
    e.remittance ? `<RmtInf><Ustrd>${escape(e.remittance)}</Ustrd></RmtInf>` : '',
    e.returnCode ? `<RtrInf><Rsn><Cd>${e.returnCode}</Cd></Rsn>${e.returnInfo ? `<AddtlInf>${escape(e.returnInfo)}</AddtlInf>` : ''}</RtrInf>` : '',
  ].join('');
  return (
    `<Ntry><Amt Ccy="${ccy}">${e.amount}</Amt><CdtDbtInd>${e.direction ?? 'DBIT'}</CdtDbtInd>${e.reversal ? '<RvslInd>true</RvslInd>' : ''}` +
    (version === '02' ? `<Sts>${status}</Sts>` : `<Sts><Cd>${status}</Cd></Sts>`) +
    `<BookgDt><Dt>2026-12-08</Dt></BookgDt><ValDt><Dt>2026-12-08</Dt></ValDt><AcctSvcrRef>${escape(e.bankReference ?? `BANKREF${n}`)}</AcctSvcrRef>` +
    `<BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>ICDT</Cd><SubFmlyCd>${e.returnCode ? 'RRTN' : 'ESCT'}</SubFmlyCd></Fmly></Domn></BkTxCd>` +
    `<NtryDtls><TxDtls>${tx}</TxDtls></NtryDtls></Ntry>\n`
  );
}

/** The statement a piece at a time (a 50,000-entry statement never sits whole in memory). */
export function* camt053(options: StatementOptions): Generator<string> {
  const version = options.version ?? '02';
  yield (
    `<?xml version="1.0" encoding="UTF-8"?>\n<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.${version}">\n<BkToCstmrStmt>` +
    `<GrpHdr><MsgId>${escape(options.msgId)}</MsgId><CreDtTm>2026-12-08T06:00:00</CreDtTm></GrpHdr>\n` +
    `<Stmt><Id>${escape(options.statementId ?? `${options.msgId}-1`)}</Id><CreDtTm>2026-12-08T06:00:00</CreDtTm>` +
    `<Acct><Id><IBAN>${options.iban ?? 'GB33BUKB20201555555555'}</IBAN></Id><Ccy>GBP</Ccy></Acct>` +
    `<Bal><Tp><CdOrPrtry><Cd>OPBD</Cd></CdOrPrtry></Tp><Amt Ccy="GBP">100000.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2026-12-08</Dt></Dt></Bal>\n`
  );
  let n = 0;
  for (const entry of options.entries) yield entryXml(entry, ++n, version);
  yield `</Stmt></BkToCstmrStmt></Document>\n`;
}

export const camt053Text = (options: StatementOptions) => [...camt053(options)].join('');
