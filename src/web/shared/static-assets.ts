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

/** Answers GET/HEAD of the vendor files above and nothing else. */
export function vendorAssets() {
  return (req: Request, res: Response, next: NextFunction): void => {
    if ((req.method !== 'GET' && req.method !== 'HEAD') || req.path !== TUS_CLIENT_URL) return next();
    res.sendFile(join(TUS_DIR, 'tus.min.js'), {
      maxAge: '365d',
      immutable: true,
      headers: { 'Content-Type': 'text/javascript; charset=utf-8' },
    });
  };
}
