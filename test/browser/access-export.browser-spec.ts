// The right of access in a real browser (issue 14): the contributor signs in on /status with their
// receipt, clicks "Download everything you hold about me", and the ZIP Chromium saves holds their
// tip, contact details, consent with the terms text, the desk's messages and their file.
import { beforeAll, describe, expect, it } from '@jest/globals';
import { readFile } from 'node:fs/promises';
import { TERMS_TEXT } from '../../src/tips/terms.js';
import { postTip, signInFromReceipt } from '../support/fixtures.js';
import { sampleVideo } from '../support/media-samples.js';
import { signedInStaff, type SignedInStaff } from '../support/staff.js';
import { jsonEntry, unzipEntries } from '../support/zip.js';
import { appAndBrowserPerFile, expectNoHorizontalScroll, MOBILE, screenshot } from './desk-support.js';

let editor: SignedInStaff;

const suite = appAndBrowserPerFile();
const { pool } = suite;

beforeAll(async () => {
  editor = await signedInStaff(suite.t, 'editor', { name: 'Priya Editor' });
});

describe('the contributor downloads everything tipdesk holds about their tip', () => {
  it('from /status: one click, and the saved ZIP holds the story, contact details, consent, messages and the file', async () => {
    const story = 'A burst water main is flooding Station Road.';
    const receipt = await postTip(
      suite.t,
      { story, name: 'Robin Reader', email: 'robin@example.test', phone: '+447700900456', location: 'Station Road' },
      { videos: 1 },
    );
    await editor.post(`/api/tips/${receipt.id}/messages`).send({ body: 'Thank you: is the road still closed?' }).expect(201);

    const page = await pool.page(MOBILE);
    await signInFromReceipt(page, suite.t, receipt);
    const link = page.getByRole('link', { name: 'Download everything you hold about me' });
    expect(await link.isVisible()).toBe(true);
    expect(await page.locator('#your-data-hint').textContent()).toContain('One ZIP file with everything we hold about this tip');
    await expectNoHorizontalScroll(page);
    await screenshot(page, 'status-your-data-mobile');

    const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
    expect(download.suggestedFilename()).toBe(`tipdesk-${receipt.reference}.zip`);
    const entries = await unzipEntries(await readFile((await download.path())!));
    expect(entries.get('README.txt')!.toString()).toContain('everything tipdesk keeps about your tip');
    expect(jsonEntry(entries, 'tip.json')).toMatchObject({ reference: receipt.reference, story, location: 'Station Road' });
    expect(jsonEntry(entries, 'contact.json')).toEqual({ name: 'Robin Reader', email: 'robin@example.test', phone: '+447700900456' });
    expect(jsonEntry<{ termsText: string }[]>(entries, 'consents.json')[0].termsText).toBe(TERMS_TEXT);
    expect(jsonEntry(entries, 'messages.json')).toEqual([
      expect.objectContaining({ direction: 'to_contributor', body: 'Thank you: is the road still closed?' }),
    ]);
    expect(jsonEntry(entries, 'payouts.json')).toEqual([]);
    expect(entries.get('files/01-IMG_2041.MP4')!.equals(sampleVideo())).toBe(true);

    // The page is still theirs: the download did not navigate away.
    expect(new URL(page.url()).pathname).toBe('/status/tip');
    const { rows } = await suite.t.db.query(`SELECT 1 FROM audit_events WHERE action = 'contributor.data_exported' AND entity_id = $1`, [receipt.id]);
    expect(rows).toHaveLength(1);
  });
});
