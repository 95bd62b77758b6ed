import type { NextFunction, Request, Response } from 'express';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The pages' own CSS, scripts and favicon, served under /assets/ (nest-cli.json copies them to dist/). */
export const ASSETS_DIR = fileURLToPath(new URL('../assets/', import.meta.url));

// Browser builds of runtime dependencies, served straight from node_modules (no front-end build
// step). The version is in the URL, so a year's immutable caching is safe: an upgrade changes it.
const require = createRequire(import.meta.url);
const TUS_DIR = join(dirname(require.resolve('tus-js-client/package.json')), 'dist');
const TUS_VERSION = (JSON.parse(readFileSync(join(TUS_DIR, '..', 'package.json'), 'utf8')) as { version: string }).version;

/** Where the page loads tus-js-client's UMD build (global `tus`) from. */
export const TUS_CLIENT_URL = `/assets/vendor/tus-js-client-${TUS_VERSION}.min.js`;

// The ALTCHA widget (proof of work), its "external" build: no inline style and no blob: workers,
// so the CSP stays 'self'. Its stylesheet and PBKDF2 worker are separate files, served here too.
// Its package.json is not among its exports: the main entry (dist/main/…) leads to dist/.
const ALTCHA_DIR = join(dirname(require.resolve('altcha')), '..');
const ALTCHA_VERSION = (JSON.parse(readFileSync(join(ALTCHA_DIR, '..', 'package.json'), 'utf8')) as { version: string }).version;
const ALTCHA_BASE = `/assets/vendor/altcha-${ALTCHA_VERSION}`;

/** Where the tip form loads the widget from, when (and only when) a post needs a proof of work. */
export const ALTCHA_ASSETS = {
  script: `${ALTCHA_BASE}/altcha.min.js`,
  style: `${ALTCHA_BASE}/altcha.css`,
  worker: `${ALTCHA_BASE}/pbkdf2.js`,
};

const JS = 'text/javascript; charset=utf-8';
const VENDOR_FILES: Record<string, { file: string; type: string }> = {
  [TUS_CLIENT_URL]: { file: join(TUS_DIR, 'tus.min.js'), type: JS },
  [ALTCHA_ASSETS.script]: { file: join(ALTCHA_DIR, 'external', 'altcha.min.js'), type: JS },
  [ALTCHA_ASSETS.style]: { file: join(ALTCHA_DIR, 'external', 'altcha.css'), type: 'text/css; charset=utf-8' },
  [ALTCHA_ASSETS.worker]: { file: join(ALTCHA_DIR, 'workers', 'pbkdf2.js'), type: JS },
};

/** Answers GET/HEAD of the vendor files above and nothing else. */
export function vendorAssets() {
  return (req: Request, res: Response, next: NextFunction): void => {
    const vendor = VENDOR_FILES[req.path];
    if ((req.method !== 'GET' && req.method !== 'HEAD') || !vendor) return next();
    res.sendFile(vendor.file, {
      maxAge: '365d',
      immutable: true,
      headers: { 'Content-Type': vendor.type },
    });
  };
}
