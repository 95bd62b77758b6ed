import Handlebars from 'handlebars';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const VIEWS_DIR = fileURLToPath(new URL('./views/', import.meta.url));

/**
 * The one private Handlebars instance every page is drawn with: {{x}} always escapes, and no
 * template uses {{{ }}} on anything a person typed (only on HTML this code rendered itself).
 */
export const handlebars = Handlebars.create();

export const compileView = (name: string) => handlebars.compile(readFileSync(`${VIEWS_DIR}${name}.hbs`, 'utf8'), { strict: false });

/** Registers `views/<name>.hbs` as the partial `{{> partialName}}`. */
export const registerPartial = (partialName: string, name: string) => handlebars.registerPartial(partialName, readFileSync(`${VIEWS_DIR}${name}.hbs`, 'utf8'));

/** HTML built in code from escaped pieces (for helpers such as <time>). */
export const escapeHtml = (value: unknown) => Handlebars.escapeExpression(value === undefined || value === null ? '' : String(value));
export const safeHtml = (html: string) => new Handlebars.SafeString(html);
