import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/** Debian's chromium (`apt-get install -y chromium`), or the one CHROMIUM_PATH names. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

// The test machine has no internet: without these, chromium keeps trying (and failing) to reach
// Google's services in the background, which fills the logs and slows start-up.
const OFFLINE_ARGS = ['--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'];

/**
 * A headless chromium driven by playwright-core. Browser tests never skip: a machine without
 * chromium fails with the command that installs it.
 */
export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `Chromium was not found at ${CHROMIUM_PATH}. The browser tests need Debian's chromium: ` +
        'run `apt-get install -y chromium` (as root), or set CHROMIUM_PATH to a chromium binary.',
    );
  }
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: OFFLINE_ARGS });
}
