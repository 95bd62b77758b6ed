// Shared by the desk's browser tests: the app and browser per file, signing in through
// the page, and screenshots. Each spec file starts its own app and browser (appAndBrowserPerFile).
import { afterAll, afterEach, beforeAll, expect } from '@jest/globals';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, BrowserContextOptions, Page } from 'playwright-core';
import { launchBrowser } from '../support/browser.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

export const SCREENSHOTS_DIR = fileURLToPath(new URL('./.screenshots/', import.meta.url));
/** The README's walk-through pictures (committed): each page at a phone's and a desk's width. */
export const DOCS_SCREENSHOTS_DIR = fileURLToPath(new URL('../../docs/screenshots/', import.meta.url));
export const DOC_WIDTHS = [390, 1280] as const;
/** A phone at 1x, so the committed pictures stay small. */
export const PHONE: BrowserContextOptions = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 1, isMobile: true, hasTouch: true };
export const DESK_1280: BrowserContextOptions = { viewport: { width: 1280, height: 900 } };
export const MOBILE: BrowserContextOptions = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true };
export const DESKTOP: BrowserContextOptions = { viewport: { width: 1366, height: 900 } };
export const XSS_STORY = 'Look at this: <script>window.__xss=1</script><img src=x onerror="window.__xss=2"> & "quotes"\n\nSecond paragraph.';

/** The app and chromium, started side by side; if one fails to start, the other is stopped. */
export async function startAppAndBrowser(env: Record<string, string> = {}): Promise<{ t: TestApp; browser: Browser }> {
  const [app, chromium] = await Promise.allSettled([startTestApp(env), launchBrowser()]);
  if (app.status === 'fulfilled' && chromium.status === 'fulfilled') return { t: app.value, browser: chromium.value };
  if (app.status === 'fulfilled') await app.value.close();
  if (chromium.status === 'fulfilled') await chromium.value.close();
  throw app.status === 'rejected' ? app.reason : (chromium as PromiseRejectedResult).reason;
}

export interface AppAndBrowser {
  /** The file's app, set once its `beforeAll` has run. */
  t: TestApp;
  browser: Browser;
  /** Browser contexts opened by a test, closed after each test. */
  pool: ReturnType<typeof contextPool>;
}

/**
 * The set-up every browser spec file shares: its own app (on its own database) and chromium,
 * started before the file's tests (after `env` is worked out), pages closed after each test, and
 * both stopped after the last one. Declare it before the file's own `beforeAll` hooks: they run
 * in order, so those see `suite.t`.
 */
export function appAndBrowserPerFile(env: Record<string, string> | (() => Promise<Record<string, string>>) = {}): AppAndBrowser {
  const suite = { pool: contextPool(() => suite.browser) } as AppAndBrowser;
  beforeAll(async () => {
    Object.assign(suite, await startAppAndBrowser(typeof env === 'function' ? await env() : env));
  });
  afterEach(() => suite.pool.closeAll());
  afterAll(async () => {
    await suite.browser?.close();
    await suite.t?.close();
  });
  return suite;
}

export function screenshotsDir(): string {
  mkdirSync(SCREENSHOTS_DIR, { recursive: true });
  return SCREENSHOTS_DIR;
}

export async function screenshot(page: Page, name: string, options: { fullPage?: boolean } = {}): Promise<void> {
  await page.screenshot({ path: join(screenshotsDir(), `${name}.png`), fullPage: options.fullPage ?? true });
}

/**
 * The page as it is now, at 390 and 1280 pixels wide, into docs/screenshots/<name>-<width>.jpg
 * (the README's walk-through); the page's own size is put back afterwards.
 */
export async function docScreenshots(page: Page, name: string): Promise<void> {
  mkdirSync(DOCS_SCREENSHOTS_DIR, { recursive: true });
  const before = page.viewportSize();
  for (const width of DOC_WIDTHS) {
    await page.setViewportSize({ width, height: width < 600 ? 844 : 900 });
    await page.screenshot({
      path: join(DOCS_SCREENSHOTS_DIR, `${name}-${width}.jpg`),
      fullPage: true,
      type: 'jpeg',
      quality: 70,
      animations: 'disabled',
      caret: 'hide',
    });
  }
  if (before) await page.setViewportSize(before);
}

// Tips are posted with the shared fixture (test/support/fixtures.ts), re-exported for the browser specs.
export { postTip, type Receipt as PostedTip } from '../support/fixtures.js';

/** Signs in through /desk/login like a person; returns once the page after sign-in has loaded. */
export async function signInThroughPage(page: Page, t: TestApp, email: string, password: string): Promise<void> {
  await page.goto(`${t.url}/desk/login`);
  await page.getByLabel('Email address').fill(email);
  await page.getByLabel('Password').fill(password);
  await Promise.all([page.waitForURL((url) => url.pathname !== '/desk/login'), page.getByRole('button', { name: 'Sign in' }).click()]);
}

/** A fresh browser context per test, closed in afterEach. */
export function contextPool(getBrowser: () => Browser) {
  const open: BrowserContext[] = [];
  return {
    async page(options: BrowserContextOptions = DESKTOP): Promise<Page> {
      const context = await getBrowser().newContext(options);
      open.push(context);
      return context.newPage();
    },
    async closeAll(): Promise<void> {
      await Promise.all(open.splice(0).map((context) => context.close()));
    },
  };
}

/** No sideways scrolling on a phone. */
export async function expectNoHorizontalScroll(page: Page): Promise<void> {
  const { scrollWidth, clientWidth } = await page.evaluate(() => ({
    scrollWidth: document.documentElement.scrollWidth,
    clientWidth: document.documentElement.clientWidth,
  }));
  expect(scrollWidth).toBeLessThanOrEqual(clientWidth);
}
