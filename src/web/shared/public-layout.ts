import type { PaperView } from '../../settings/paper-settings.js';
import { compileView } from './handlebars.js';

const layout = compileView(import.meta.url, 'public-layout');

/** The paper's public ways in, as links: email, phone and WhatsApp from the paper settings. */
export function contactLinks(paper: PaperView): { label: string; text: string; href: string }[] {
  const digits = (phone: string) => phone.replace(/[^\d+]/g, '');
  return [
    paper.contactEmail ? { label: 'Email', text: paper.contactEmail, href: `mailto:${paper.contactEmail}` } : undefined,
    paper.contactPhone ? { label: 'Phone', text: paper.contactPhone, href: `tel:${digits(paper.contactPhone)}` } : undefined,
    paper.contactWhatsapp
      ? { label: 'WhatsApp', text: paper.contactWhatsapp, href: `https://wa.me/${digits(paper.contactWhatsapp).replace(/^\+/, '')}` }
      : undefined,
  ].filter((c): c is { label: string; text: string; href: string } => c !== undefined);
}

/** A public page (tip form, receipt, status, privacy) in the paper's frame; `body` is HTML a template rendered. */
export function publicPage(paper: PaperView, title: string, body: string, scripts: string[] = []): string {
  return layout({ title, body, scripts, paper, siteName: paper.paperName ?? 'Send us a tip', contacts: contactLinks(paper) });
}
