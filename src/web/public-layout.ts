import { compileView } from './handlebars.js';

const layout = compileView('layout');

/** A public page (tip form, receipt, status) in the site's frame; `body` is HTML a template rendered. */
export function publicPage(title: string, body: string, scripts: string[] = []): string {
  return layout({ title, body, scripts, siteName: 'Send us a tip' });
}
