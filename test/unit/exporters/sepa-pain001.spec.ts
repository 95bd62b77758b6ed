import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { memoryPages, validateXML } from 'xmllint-wasm';
import { sepaPain001Exporter } from '../../../src/payouts/exporters/sepa-pain001.exporter.js';
import { batch, collect, expectGolden, expectStreamed, FIXTURES, ibanItem, lazyItems, PAYER, progressWhileDraining, ukItem } from './exporter-fixtures.js';

const XSD = { fileName: 'pain.001.001.03.xsd', contents: readFileSync(join(FIXTURES, 'pain.001.001.03.xsd'), 'utf8') };

/**
 * Validates with the ISO 20022 schema through libxml2's xmllint compiled to WebAssembly
 * (`xmllint --noout --schema`), so the tests need no system package. The document sits in the
 * wasm heap, hence a memory ceiling above the library's 32 MiB default.
 */
async function xmllint(xml: string | Uint8Array): Promise<{ ok: boolean; output: string }> {
  const result = await validateXML({ xml: { fileName: 'batch.xml', contents: xml }, schema: XSD, maxMemoryPages: memoryPages.GiB });
  return { ok: result.valid, output: result.rawOutput };
}

const sample = () =>
  batch(
    [
      ibanItem(1, 'Jo Bloggs', 25000, 'COBADEFFXXX'),
      ibanItem(2, 'Zoë Ørsted-Łukasz 😀 北京 <&> "quoted"', 1),
      ibanItem(3, 'Tab\there\nnewline', 100_000_000, 'DEUTDEFF'),
    ],
    'EUR',
  );

describe('sepa-pain001 exporter', () => {
  it('matches its golden file byte for byte', async () => {
    expectGolden('sepa-pain001.xml', await collect(sepaPain001Exporter.write(sample(), PAYER)));
  });

  it('validates against the ISO 20022 pain.001.001.03 schema', async () => {
    const result = await xmllint(await collect(sepaPain001Exporter.write(sample(), PAYER)));
    expect(result.output).toMatch(/validates/);
    expect(result.ok).toBe(true);
  });

  it('the schema check really checks: a file missing its debtor agent fails', async () => {
    const xml = (await collect(sepaPain001Exporter.write(sample(), PAYER))).replace(/<DbtrAgt>[\s\S]*?<\/DbtrAgt>/, '');
    const result = await xmllint(xml);
    expect(result.output).toMatch(/ChrgBr': This element is not expected\. Expected is \( \{[^}]+\}DbtrAgt \)/);
    expect(result.output).toMatch(/batch\.xml fails to validate/);
    expect(result.ok).toBe(false);
  });

  it('states count and control sum, omits the creditor agent without a BIC, and keeps names in the SEPA set', async () => {
    const xml = await collect(sepaPain001Exporter.write(sample(), PAYER));
    expect(xml.match(/<NbOfTxs>3<\/NbOfTxs>/g)).toHaveLength(2);
    expect(xml.match(/<CtrlSum>1000250.01<\/CtrlSum>/g)).toHaveLength(2);
    expect(xml).toContain('<InstdAmt Ccy="EUR">0.01</InstdAmt>');
    expect(xml.match(/<CdtrAgt>/g)).toHaveLength(2);
    expect(xml).toContain('<Nm>Zoe Orsted-Lukasz BeiJing quoted</Nm>');
    expect(xml).toContain('<Nm>Tab here newline</Nm>');
    expect(xml).toContain('<ReqdExctnDt>2026-11-27</ReqdExctnDt>');
    expect(xml).toContain('<CreDtTm>2026-11-25T09:30:00</CreDtTm>');
  });

  it('refuses a GBP payout, and a streamed batch without declared totals', async () => {
    expect(sepaPain001Exporter.fits(ukItem(1, 'A', 1))).toBe(false);
    await expect(collect(sepaPain001Exporter.write(batch([ukItem(1, 'A', 1)], 'EUR'), PAYER))).rejects.toThrow(/cannot go in a sepa-pain001 file/);
    await expect(
      collect(
        sepaPain001Exporter.write(
          batch(
            lazyItems(2, (n) => ibanItem(n, 'A', 1)),
            'EUR',
          ),
          PAYER,
        ),
      ),
    ).rejects.toThrow(/must declare its count and total/);
    await expect(
      collect(
        sepaPain001Exporter.write(
          batch(
            lazyItems(2, (n) => ibanItem(n, 'A', 1)),
            'EUR',
            { count: 3, totalMinor: 3 },
          ),
          PAYER,
        ),
      ),
    ).rejects.toThrow(/declared 3 payouts/);
  });

  it('names the missing debtor setting', async () => {
    await expect(collect(sepaPain001Exporter.write(sample(), { ...PAYER, sepaDebtorBic: undefined }))).rejects.toThrow(/SEPA debtor BIC/);
  });

  it('streams 10,000 payouts (half the file is out when about half were read), and the result validates', async () => {
    const count = 10_000;
    const parts: Buffer[] = [];
    const progress = await progressWhileDraining(
      count,
      (n) => ibanItem(n, `Payee ${n}`, 1),
      (items) => sepaPain001Exporter.write(batch(items, 'EUR', { count, totalMinor: count }), PAYER),
      (chunk) => parts.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk),
    );
    expect(progress.bytes).toBeGreaterThan(count * 300);
    expectStreamed(progress, count);
    // 100,000 payouts (35 MB, 20-40 s of xmllint in WebAssembly) are validated by npm run bench:exporters.
    const result = await xmllint(Buffer.concat(parts));
    expect(result.output).toMatch(/validates/);
    expect(result.ok).toBe(true);
  });
});
