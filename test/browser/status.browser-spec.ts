// The contributor's /status pages in a real browser (Debian chromium via playwright-core) on a
// phone-sized screen: sign in with the receipt, read the desk's message, reply, add a file, sign out.
import { beforeAll, describe, expect, it } from '@jest/globals';
import { postTip, signInFromReceipt } from '../support/fixtures.js';
import { FIXTURES_DIR } from '../support/media-samples.js';
import { openRiskCodes } from '../support/payout-risks.js';
import { signedInStaff, type SignedInStaff } from '../support/staff.js';
import { expectNoHorizontalScroll, MOBILE, screenshot, appAndBrowserPerFile } from './desk-support.js';

let editor: SignedInStaff;

const suite = appAndBrowserPerFile();
const { pool } = suite;

beforeAll(async () => {
  editor = await signedInStaff(suite.t, 'editor', { name: 'Priya Editor' });
});

const XSS_MESSAGE = 'Is this yours? <script>window.__xss=1</script><img src=x onerror="window.__xss=2">';

describe('the contributor’s status page', () => {
  it('signs in with the receipt, reads the editor’s messages (as text), replies, adds a video, and the desk sees the reply', async () => {
    const receipt = await postTip(suite.t, { story: 'A lorry has shed its load on the ring road.' });
    await editor.post(`/api/tips/${receipt.id}/messages`).send({ body: 'Thanks for this!\nDid you film it yourself, and at what time?' }).expect(201);
    await editor.post(`/api/tips/${receipt.id}/messages`).send({ body: XSS_MESSAGE }).expect(201);

    const page = await pool.page(MOBILE);
    await signInFromReceipt(page, suite.t, receipt);
    expect(await page.locator('h1').textContent()).toBe('Your tip');
    expect(await page.locator('#reference').textContent()).toBe(receipt.reference);
    expect(await page.locator('#status-text').textContent()).toContain('Received: an editor will look at it soon');
    expect(await page.locator('#steps .step-label').allTextContents()).toEqual([
      'Received',
      'Under review',
      'Offer made',
      'Accepted',
      'Payment approved',
      'Payment scheduled',
      'Paid',
    ]);
    expect(await page.locator('#steps li[aria-current="step"]').textContent()).toBe('Received (now)');

    const bodies = page.locator('#messages .message .body');
    expect(await bodies.nth(0).innerText()).toBe('Thanks for this!\nDid you film it yourself, and at what time?');
    expect(await bodies.nth(1).textContent()).toBe(XSS_MESSAGE);
    expect(await page.locator('main script, main img').count()).toBe(0);
    expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();
    expect(await page.locator('#messages .message .meta').first().textContent()).toContain('The newsroom');

    await page.getByLabel('Your reply').fill('Yes, I filmed it from the bus stop.\nAbout 8.15am.');
    await Promise.all([page.waitForURL((url) => url.searchParams.get('notice') === 'reply-sent'), page.getByRole('button', { name: 'Send reply' }).click()]);
    expect(await page.locator('#notice').textContent()).toBe('Your reply has been sent to the newsroom.');
    const mine = page.locator('#messages .message.from_contributor');
    expect(await mine.locator('.body').innerText()).toBe('Yes, I filmed it from the bus stop.\nAbout 8.15am.');
    expect(await mine.locator('.meta').textContent()).toContain('You');
    expect(await page.getByLabel('Your reply').inputValue()).toBe('');

    // Another angle, sent later from the same page: a real video through the form's file input.
    expect(await page.locator('#no-files').isVisible()).toBe(true);
    await page.getByLabel('Add more files').setInputFiles(`${FIXTURES_DIR}sample.mp4`);
    await Promise.all([page.waitForURL((url) => url.searchParams.get('notice') === 'files-added'), page.getByRole('button', { name: 'Add files' }).click()]);
    expect(await page.locator('#notice').textContent()).toBe('1 file added. The newsroom can see it now.');
    expect(await page.locator('#file-list li').allTextContents()).toEqual(['sample.mp4 Video, 5.9 KB']);
    const { rows: media } = await suite.t.db.query('SELECT display_filename, kind FROM media WHERE tip_id = $1', [receipt.id]);
    expect(media).toEqual([{ display_filename: 'sample.mp4', kind: 'video' }]);
    await expectNoHorizontalScroll(page);
    await screenshot(page, 'status-tip-mobile');

    // The editor reads the reply on the desk's tip.
    const tip = await editor.get(`/api/tips/${receipt.id}`).expect(200);
    expect(tip.body.messages.map((m: { direction: string; body: string }) => [m.direction, m.body])).toEqual([
      ['to_contributor', 'Thanks for this!\nDid you film it yourself, and at what time?'],
      ['to_contributor', XSS_MESSAGE],
      ['from_contributor', 'Yes, I filmed it from the bus stop.\nAbout 8.15am.'],
    ]);
  });

  it('works with JavaScript off: sign in, reply, an empty reply is refused next to the field, sign out', async () => {
    const receipt = await postTip(suite.t, { story: 'Burst water main outside the school.' });
    const page = await pool.page({ ...MOBILE, javaScriptEnabled: false });
    await signInFromReceipt(page, suite.t, receipt);
    expect(await page.locator('#no-messages').isVisible()).toBe(true);

    // Only spaces pass the browser's own `required` check; the server refuses them.
    await page.getByLabel('Your reply').fill('   ');
    const [refused] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/status/tip/messages'),
      page.getByRole('button', { name: 'Send reply' }).click(),
    ]);
    expect(refused.status()).toBe(400);
    await page.waitForLoadState('load');
    expect(await page.locator('#reply-error').textContent()).toBe('Write your reply');

    await page.getByLabel('Your reply').fill('It is still leaking.');
    await Promise.all([page.waitForURL((url) => url.searchParams.get('notice') === 'reply-sent'), page.getByRole('button', { name: 'Send reply' }).click()]);
    expect(await page.locator('#messages .message.from_contributor .body').innerText()).toBe('It is still leaking.');

    await Promise.all([page.waitForURL((url) => url.pathname === '/status'), page.getByRole('button', { name: 'Sign out' }).click()]);
    expect(await page.locator('#notice').textContent()).toContain('You have signed out.');
    await page.goto(`${suite.t.url}/status/tip`);
    expect(new URL(page.url()).pathname).toBe('/status');
  });

  it('a wrong secret shows the same words as an unknown reference, keeps the reference, clears the secret', async () => {
    const receipt = await postTip(suite.t, { story: 'Smoke over the industrial estate.' });
    const page = await pool.page(MOBILE);
    await page.goto(`${suite.t.url}/status`);
    await page.getByLabel('Reference').fill(receipt.reference);
    await page.getByLabel('Secret').fill('WRONG-SECRET');
    await page.getByRole('button', { name: 'Check my tip' }).click();
    await page.locator('#form-error').waitFor();
    const wrongSecret = await page.locator('#form-error').textContent();
    expect(wrongSecret).toContain('That reference and secret do not match a tip.');
    expect(await page.getByLabel('Reference').inputValue()).toBe(receipt.reference);
    expect(await page.getByLabel('Secret').inputValue()).toBe('');
    await expectNoHorizontalScroll(page);
    await screenshot(page, 'status-sign-in-mobile');

    await page.getByLabel('Reference').fill('TD-0000-0000');
    await page.getByLabel('Secret').fill(receipt.secret);
    await page.getByRole('button', { name: 'Check my tip' }).click();
    await page.waitForLoadState('load');
    expect(await page.locator('#form-error').textContent()).toBe(wrongSecret);
  });

  it('accepts an offer on a phone with JavaScript off (a mistake named next to its field), and gives new details when the payment fails', async () => {
    const receipt = await postTip(suite.t, { story: 'Video of the bridge collapse.' });
    const payout = (await editor.post(`/api/tips/${receipt.id}/payouts`).send({ amountMinor: 25_000, currency: 'GBP', licence: 'exclusive' }).expect(201)).body;
    const page = await pool.page({ ...MOBILE, javaScriptEnabled: false });
    await signInFromReceipt(page, suite.t, receipt);
    expect(await page.locator('#offer1-text').textContent()).toBe('We’d like to pay you £250 for exclusive use of your story');
    expect(await page.locator('#steps li[aria-current="step"] .step-label').textContent()).toBe('Offer made');
    await expectNoHorizontalScroll(page);
    await screenshot(page, 'status-offer-mobile');

    // Issue 11: "How should we pay you?" comes first (only that way's fields show, without JavaScript too);
    // a mistake is listed at the top of the page, which keeps its address.
    expect(await page.getByLabel('Account holder’s name').isVisible()).toBe(false);
    await page.getByLabel('UK bank account').check();
    await page.getByLabel('I agree to the exclusive licence described above').check();
    await page.getByLabel('Account holder’s name').fill('Jo Bloggs');
    await page.getByLabel('Sort code').fill('12-34');
    await page.getByLabel('Account number').fill('12345678');
    await page.getByRole('button', { name: 'Accept the offer' }).click();
    await page.waitForLoadState('load');
    expect(await page.locator('#error-summary').textContent()).toContain('Enter the 6-digit sort code');
    expect(new URL(page.url()).pathname).toBe('/status/tip');
    expect(await page.getByLabel('Account holder’s name').inputValue()).toBe('Jo Bloggs');
    expect(await page.getByLabel('I agree to the exclusive licence described above').isChecked()).toBe(true);

    await page.getByLabel('Sort code').fill('12-34-56');
    await Promise.all([
      page.waitForURL((url) => url.searchParams.get('notice') === 'offer-accepted'),
      page.getByRole('button', { name: 'Accept the offer' }).click(),
    ]);
    expect(await page.locator('#notice').textContent()).toContain('you have accepted our offer');
    expect(await page.locator('#steps li[aria-current="step"] .step-label').textContent()).toBe('Accepted');
    expect(await page.locator('#payments li').textContent()).toContain('****5678');
    expect(await page.locator('form.accept-form').count()).toBe(0);
    const { rows } = await suite.t.db.query('SELECT state FROM payouts WHERE id = $1', [payout.id]);
    expect(rows[0].state).toBe('accepted');
    await screenshot(page, 'status-accepted-mobile');

    // Accounting approves and batches it; the bank returns it: the page asks for new details.
    const accountant = await signedInStaff(suite.t, 'accounting');
    const version = async () => ((await accountant.get(`/api/payouts/${payout.id}`).expect(200)).body as { version: number }).version;
    await accountant
      .post(`/api/payouts/${payout.id}/approve`)
      .send({ version: await version(), acknowledgeRisks: await openRiskCodes(accountant, payout.id) })
      .expect(200);
    const batch = (await accountant.post('/api/payout-batches').send({ format: 'csv' }).expect(201)).body as { id: string };
    // A ledger export changes nothing the contributor is told (issue 11): still "Payment approved".
    await page.goto(`${suite.t.url}/status/tip`);
    expect(await page.locator('#steps li[aria-current="step"] .step-label').textContent()).toBe('Payment approved');
    // Settling waits for the batch to be marked sent (issue 12).
    await accountant.post(`/api/payout-batches/${batch.id}/sent`).expect(200);
    await accountant
      .post(`/api/payouts/${payout.id}/mark-failed`)
      .send({ version: await version(), reason: 'ARUCS 5: no account' })
      .expect(200);
    await page.goto(`${suite.t.url}/status/tip`);
    expect(await page.locator('#status-text').textContent()).toContain('Payment failed – please update your details.');
    expect(await page.locator('#steps li.failed .step-label').textContent()).toBe('Payment scheduled');
    expect(await page.locator('#payee details').getAttribute('open')).not.toBeNull();
    await screenshot(page, 'status-payment-failed-mobile');

    await page.locator('#payee').getByLabel('PayPal', { exact: true }).check();
    await page.locator('#payee').getByLabel('Account holder’s name').fill('Jo Bloggs');
    await page.locator('#payee').getByLabel('PayPal email address').fill('jo@example.com');
    await Promise.all([
      page.waitForURL((url) => url.searchParams.get('notice') === 'details-updated'),
      page.getByRole('button', { name: 'Save my payment details' }).click(),
    ]);
    expect(await page.locator('#notice').textContent()).toContain('Your payment details have been saved.');
  });
});
