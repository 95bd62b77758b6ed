// Proof that the `csv` ledger is safe in a real spreadsheet: a ledger written by the compiled
// exporter (a copy of dist/) with CSV-injection payloads as contributor and payee names is opened
// by LibreOffice Calc headless and saved as flat ODF (.fods) and again as CSV; every payload cell
// must come back a string cell holding exactly what the exporter wrote, and every amount a
// number. A raw `=1+1` control row proves LibreOffice evaluates formulas with these settings.
// `--unneutralised` writes the payloads raw (as a ledger without neutraliseCell would) and must FAIL.
// See bench/README.md.
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { distImport, makeTmpDir, run, snapshotDist } from './lib.mjs';

const UNNEUTRALISED = process.argv.includes('--unneutralised');
const INSTALL = 'sudo apt-get install -y --no-install-recommends libreoffice-calc-nogui';

/** Each one is a contributor's name and a payee's name in the ledger. */
const PAYLOADS = [
  ['=HYPERLINK("http://x","y")', 'link formula'],
  [`+cmd|' /C calc'!A0`, 'DDE command'],
  ['@SUM(1)', '@ function'],
  ['-2+3', 'leading minus'],
  ['=1+1', 'formula'],
  ['\t=1+1', 'tab-led'],
  ['\r=1+1', 'CR-led'],
  ['\n=1+1', 'LF-led'],
  ['Jo "the lens" Bloggs', 'quotes'],
  ['line one\nline two', 'embedded LF'],
  ['Zoë Ørsted-Łukasz', 'plain name'],
];
const CONTROL = '=1+1';
/** How the exporter writes its CSV (csv-ledger.exporter.ts), for the rows this script writes itself. */
const EXPORTER_CSV = { record_delimiter: 'windows', eof: true, quoted_match: /[\r\n]/ };

/**
 * CSV import options for LibreOffice's "Text - txt - csv (StarCalc)" filter (ScAsciiOptions):
 * comma, double quote, UTF-8, from line 1, no column types, en-US, quoted fields NOT forced to
 * text, no special-number detection, two export-only tokens, no trimming, an export-only sheet
 * token and, last, "Evaluate formulas" ON: the riskiest way to open the file (the dialog's tick box).
 */
const CSV_IMPORT = 'CSV:44,34,76,1,,1033,false,false,true,false,false,0,true';
/** Re-export: comma, double quote, UTF-8, every text cell quoted, cell contents as stored (not as shown). */
const CSV_EXPORT = 'csv:Text - txt - csv (StarCalc):44,34,76,1,,1033,true,false,false,false,false';

function findSoffice() {
  const found = spawnSync('sh', ['-c', 'command -v soffice || command -v libreoffice'], { encoding: 'utf8' }).stdout.trim().split('\n')[0];
  if (!found) throw new Error(`LibreOffice (soffice) is not installed: install Calc without its GUI with \`${INSTALL}\` (Debian), then run this again`);
  return found;
}

/** `soffice --headless --convert-to` in a profile of its own, so a desktop LibreOffice (or a second run) cannot interfere. */
function convert(soffice, dir, input, to, outDir) {
  const args = [
    `-env:UserInstallation=${pathToFileURL(join(dir, 'profile')).href}`,
    '--headless',
    '--norestore',
    '--nolockcheck',
    `--infilter=${CSV_IMPORT}`,
    '--convert-to',
    to,
    '--outdir',
    outDir,
    input,
  ];
  const result = spawnSync(soffice, args, { encoding: 'utf8', timeout: 180_000 });
  if (result.status !== 0 || result.error)
    throw new Error(`soffice ${args.join(' ')} failed (${result.error?.message ?? `exit ${result.status}`}):\n${result.stdout}${result.stderr}`);
}

// ---------------------------------------------------------------------------------------------
// The flat ODF sheet: one cell per column (repeats expanded), with its type, formula, value and text.

const decodeEntities = (s) =>
  s.replace(/&(#x[0-9a-f]+|#\d+|lt|gt|amp|quot|apos);/gi, (_, e) =>
    e[0] === '#'
      ? String.fromCodePoint(e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : Number(e.slice(1)))
      : { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" }[e.toLowerCase()],
  );

const attr = (tag, name) => {
  const m = tag.match(new RegExp(`\\s${name}="([^"]*)"`));
  return m ? decodeEntities(m[1]) : undefined;
};

/** A paragraph's text under ODF's rules: <text:s text:c="n"/> spaces, <text:tab/>, <text:line-break/>; other markup dropped. */
function paragraphText(xml) {
  return decodeEntities(
    xml
      .replace(/<text:s(?:\s+text:c="(\d+)")?\s*\/>/g, (_, n) => ' '.repeat(Number(n ?? 1)))
      .replace(/<text:tab\s*\/>/g, '\t')
      .replace(/<text:line-break\s*\/>/g, '\n')
      .replace(/<[^>]+>/g, ''),
  );
}

function readFods(xml) {
  const table = xml.match(/<table:table [\s\S]*?<\/table:table>/);
  if (!table) throw new Error('no <table:table> in the converted .fods');
  const rows = [];
  for (const row of table[0].matchAll(/<table:table-row\b[^>]*?(?:\/>|>([\s\S]*?)<\/table:table-row>)/g)) {
    const cells = [];
    for (const cell of (row[1] ?? '').matchAll(/<table:(?:covered-)?table-cell\b([^>]*?)(?:\/>|>([\s\S]*?)<\/table:(?:covered-)?table-cell>)/g)) {
      const open = cell[1];
      const body = cell[2] ?? '';
      const paragraphs = [...body.matchAll(/<text:p\b[^>]*?(?:\/>|>([\s\S]*?)<\/text:p>)/g)].map((p) => paragraphText(p[1] ?? ''));
      const parsed = {
        type: attr(open, 'office:value-type') ?? 'empty',
        formula: attr(open, 'table:formula'),
        value: attr(open, 'office:value'),
        text: attr(open, 'office:string-value') ?? paragraphs.join('\n'),
        link: /<text:a\b/.test(body),
      };
      const repeat = Number(attr(open, 'table:number-columns-repeated') ?? 1);
      for (let i = 0; i < Math.min(repeat, 64); i++) cells.push(parsed);
    }
    const repeat = Number(attr(row[0], 'table:number-rows-repeated') ?? 1);
    for (let i = 0; i < Math.min(repeat, 64); i++) rows.push(cells);
  }
  // Calc may pad the sheet with empty rows; they are not rows of the file.
  while (rows.length && rows.at(-1).every((cell) => cell.type === 'empty' && cell.text === '')) rows.pop();
  return rows;
}

// ---------------------------------------------------------------------------------------------

function item(n, name, amountMinor) {
  return {
    payoutId: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
    bankReference: `TD LO ${String(n).padStart(4, '0')}`,
    amountMinor,
    currency: 'GBP',
    payee: { method: 'uk_bank', accountName: name, sortCode: '402030', accountNumber: String(12345670 + n).slice(-8) },
    ledger: {
      contributorName: name,
      tipReference: `TD-LOFF-${String(n).padStart(4, '0')}`,
      licence: 'exclusive',
      offeredBy: 'Eddie Editor',
      approvedBy: 'Alice Accounts',
      approvedAt: new Date('2026-11-20T10:15:00Z'),
      status: 'batched',
    },
  };
}

const show = (s) => JSON.stringify(s);
const pad = (s, n) => (s.length > n ? `${s.slice(0, n - 1)}…` : s.padEnd(n));

async function main() {
  const soffice = findSoffice();
  const distDir = await snapshotDist();
  const { csvLedgerExporter, LEDGER_COLUMNS } = await distImport(distDir, 'payouts/exporters/csv-ledger.exporter.js');
  const contributorCol = LEDGER_COLUMNS.indexOf('contributor');
  const payeeCol = LEDGER_COLUMNS.indexOf('payee name');
  const amountCol = LEDGER_COLUMNS.indexOf('amount');
  const referenceCol = LEDGER_COLUMNS.indexOf('payout reference');

  const amounts = PAYLOADS.map((_, i) => [25000, 1, 100_000_000, 999, 1050, 12345, 500, 7, 320000, 4242, 10][i % 11]);
  const file = {
    batchId: '11111111-2222-4333-8444-555555555555',
    batchReference: 'TDB 20261125 01',
    createdAt: new Date('2026-11-25T09:30:00Z'),
    processingDate: new Date('2026-11-27T00:00:00Z'),
    currency: 'GBP',
    items: PAYLOADS.map(([payload], i) => item(i + 1, payload, amounts[i])),
  };
  let ledger = '';
  for await (const chunk of csvLedgerExporter.write(file, {})) ledger += chunk;

  // What the exporter wrote, field by field: the expectation for LibreOffice's cells.
  let written = parse(ledger, { relax_column_count: false });
  if (UNNEUTRALISED) {
    // A ledger without neutraliseCell: the same rows with the payloads put back raw, quoted as the exporter quotes.
    written = written.map((row, r) => (r === 0 ? row : row.map((cell, c) => (c === contributorCol || c === payeeCol ? PAYLOADS[r - 1][0] : cell))));
    ledger = stringify(written, EXPORTER_CSV);
  }
  // The control row, never through the exporter: a raw formula LibreOffice must evaluate.
  const control = LEDGER_COLUMNS.map(
    (column) => ({ batch: 'CONTROL', 'payout reference': 'CONTROL', contributor: CONTROL, 'payee name': 'control: raw formula', amount: '1.00' })[column] ?? '',
  );
  ledger += stringify([control], EXPORTER_CSV);

  const dir = await makeTmpDir('tipdesk-ledger-lo-');
  const csvPath = join(dir, 'ledger.csv');
  writeFileSync(csvPath, ledger);
  const started = performance.now();
  convert(soffice, dir, csvPath, 'fods', join(dir, 'fods'));
  convert(soffice, dir, csvPath, CSV_EXPORT, join(dir, 'csv'));
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  const version = spawnSync(soffice, [`-env:UserInstallation=${pathToFileURL(join(dir, 'profile')).href}`, '--headless', '--version'], {
    encoding: 'utf8',
  }).stdout.trim();
  const sheet = readFods(readFileSync(join(dir, 'fods', 'ledger.fods'), 'utf8'));
  const reexported = parse(readFileSync(join(dir, 'csv', 'ledger.csv'), 'utf8'), { relax_column_count: true });

  console.log(`${version}: ${written.length + 1} records opened as .csv, saved as .fods and as .csv again (${seconds} s)`);
  console.log(
    UNNEUTRALISED
      ? "ledger: --unneutralised, the exporter's rows with every payload put back raw (this run must FAIL)"
      : `ledger: written by payouts/exporters/csv-ledger.exporter.js from ${process.env.BENCH_DIST ?? 'dist'} (copied to ${distDir.replace(/.*\/bench\//, 'bench/')})`,
  );
  console.log(`import: ${CSV_IMPORT} (the last token: evaluate formulas)\n`);

  const failures = [];
  // Rows are found by their payout reference, so a value that broke its row shows as a missing row, not as its neighbour's cells.
  const sheetRow = (reference) => sheet.find((row, i) => i > 0 && row[referenceCol]?.text === reference);
  const backRow = (reference) => reexported.find((row, i) => i > 0 && row[referenceCol] === reference);

  /** A string cell holding exactly what the exporter wrote, in the sheet and in the re-exported CSV; no formula, no link. */
  const textCell = (row, back, c, field) => {
    // Calc keeps a line break in a cell as a paragraph break, whether the file had CR, LF or CRLF.
    const expected = field.replace(/\r\n?/g, '\n');
    const cell = row?.[c];
    if (!cell) return { ok: false, note: 'row not found' };
    const problems = [];
    if (cell.formula !== undefined) problems.push(`FORMULA ${cell.formula} = ${cell.value ?? show(cell.text)}`);
    else {
      if (cell.type !== 'string') problems.push(`${cell.type} cell${cell.value === undefined ? '' : ` ${cell.value}`}`);
      if (cell.text !== expected) problems.push(`text ${show(cell.text)}`);
      if (back?.[c]?.replace(/\r\n?/g, '\n') !== expected) problems.push(`re-exported ${show(back?.[c])}`);
    }
    if (cell.link) problems.push('hyperlink');
    return { ok: problems.length === 0, note: problems.length ? problems.join('; ') : 'string, literal' };
  };
  const numberCell = (row, c, field) => {
    const cell = row?.[c];
    const ok = cell?.type === 'float' && cell.formula === undefined && Number(cell.value) === Number(field);
    return { ok, note: ok ? `number ${field}` : cell ? `${cell.type} ${show(cell.value ?? cell.text)}` : 'row not found' };
  };

  const widths = [3, 30, 14, 30, 18, 18, 17];
  const line = (...cells) => console.log([...cells.slice(0, -1).map((c, i) => pad(c, widths[i])), cells.at(-1)].join(' '));
  line('#', 'payload', 'kind', 'in the csv', 'contributor cell', 'payee name cell', 'amount cell', 'result');
  console.log('-'.repeat(widths.reduce((a, b) => a + b + 1, 0) + 6));
  const shown = new Set();
  PAYLOADS.forEach(([payload, kind], i) => {
    const fields = written[i + 1];
    const row = sheetRow(fields[referenceCol]);
    shown.add(row?.[contributorCol]).add(row?.[payeeCol]);
    const back = backRow(fields[referenceCol]);
    const checks = [
      textCell(row, back, contributorCol, fields[contributorCol]),
      textCell(row, back, payeeCol, fields[payeeCol]),
      numberCell(row, amountCol, fields[amountCol]),
    ];
    const ok = checks.every((c) => c.ok);
    if (!ok) failures.push(show(payload));
    line(String(i + 1), show(payload), kind, show(fields[contributorCol]), ...checks.map((c) => c.note), ok ? 'PASS' : 'FAIL');
    for (const c of checks.filter((x) => !x.ok && x.note.length > widths[4])) console.log(`    ${c.note}`);
  });
  const controlRow = sheetRow('CONTROL');
  const cell = controlRow?.[contributorCol];
  shown.add(cell);
  const controlOk = cell?.formula === 'of:=1+1' && cell.type === 'float' && Number(cell.value) === 2;
  if (!controlOk) failures.push('the control row');
  line(
    'C',
    show(CONTROL),
    'control, raw',
    show(CONTROL),
    cell ? `${cell.formula ?? `${cell.type}, no formula`} → ${cell.value ?? show(cell.text)}` : 'row not found',
    '',
    numberCell(controlRow, amountCol, '1.00').note,
    controlOk ? 'PASS (a raw formula is evaluated)' : 'FAIL: LibreOffice did not evaluate the raw formula, so this run proves nothing',
  );

  // Whole-file checks: no row split or merged, and no formula anywhere but the control cell.
  if (sheet.length !== written.length + 1 || reexported.length !== written.length + 1) {
    failures.push('the row count');
    console.log(
      `FAIL: the file has ${written.length + 1} records; LibreOffice read ${sheet.length} rows (re-exported: ${reexported.length}), so a value broke its row`,
    );
  }
  const stray = sheet.flatMap((row, r) =>
    row.flatMap((c, col) => (c.formula !== undefined && !shown.has(c) ? [`row ${r + 1} ${LEDGER_COLUMNS[col] ?? `column ${col + 1}`}: ${c.formula}`] : [])),
  );
  if (stray.length) {
    failures.push('formulas outside the payload cells');
    console.log(`FAIL: formulas the table above does not show: ${stray.join(', ')}`);
  }
  if (reexported[0]?.join() !== LEDGER_COLUMNS.join()) failures.push('the header row');

  console.log(
    failures.length
      ? `\nFAIL (${failures.length}): ${failures.join(', ')}`
      : `\nPASS: all ${PAYLOADS.length} payloads are plain text in LibreOffice Calc, every amount is a number, and the control row shows formulas are evaluated`,
  );
  return failures.length ? 1 : 0;
}

run(main);
