import Handlebars from 'handlebars';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * The one private Handlebars instance every page is drawn with: {{x}} always escapes, and no
 * template uses {{{ }}} on anything a person typed (only on HTML this code rendered itself).
 * Its helpers and partials are registered once, at startup, by web/page-helpers.ts.
 */
export const handlebars = Handlebars.create();

/**
 * A page's template sits beside the code that draws it: `viewPath(import.meta.url, 'queue')` is
 * `./views/queue.hbs` next to the calling file (in src/ under test, in dist/ as `npm start` runs,
 * where nest-cli.json copies every area's views/).
 */
export const viewPath = (from: string, name: string) => fileURLToPath(new URL(`./views/${name}.hbs`, from));

export const compileView = (from: string, name: string) => handlebars.compile(readFileSync(viewPath(from, name), 'utf8'), { strict: false });

/** HTML built in code from escaped pieces (for helpers such as <time>). */
export const escapeHtml = (value: unknown) => Handlebars.escapeExpression(value === undefined || value === null ? '' : String(value));
export const safeHtml = (html: string) => new Handlebars.SafeString(html);
