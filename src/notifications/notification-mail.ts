import Handlebars from 'handlebars';
import { statusPageUrl } from '../text/status-url.js';
import type { OutgoingMail } from './mailer.js';

export type NotificationKind = 'message' | 'offer';

/** What a notification may say about a tip: its public reference and where to read more. Nothing else. */
export interface NotificationFacts {
  to: string;
  reference: string;
  publicBaseUrl: string;
}

const WORDING: Record<NotificationKind, { subject: string; line: string; action: string }> = {
  message: {
    subject: 'a message from the news desk',
    line: 'The news desk has sent you a message about your tip',
    action: 'Read it and reply on your status page',
  },
  offer: {
    subject: 'an offer for your tip',
    line: 'The news desk has made you an offer for your tip',
    action: 'Read the offer and accept or decline it on your status page',
  },
};

/** The same notice as a chat line, for a tip that came by WhatsApp or email: what happened and where to look. */
export function channelNotice(kind: NotificationKind, reference: string, publicBaseUrl: string): string {
  const wording = WORDING[kind];
  return `${wording.line} ${reference}. ${wording.action}: ${statusPageUrl(publicBaseUrl, reference)}`;
}

// The mail's HTML, rendered by notifications' own Handlebars instance (which escapes every value).
const NOTIFICATION_HTML = Handlebars.create().compile<{ line: string; reference: string; action: string; url: string }>(
  [
    '<!doctype html><html><body>',
    '<p>Hello,</p>',
    '<p>{{line}} <strong>{{reference}}</strong>.</p>',
    '<p>{{action}}: <a href="{{url}}">{{url}}</a></p>',
    '<p>Sign in there with your reference and the secret from your receipt. We never send your secret by email.</p>',
    '<p>The news desk</p>',
    '</body></html>',
  ].join('\n'),
  { strict: true },
);

/**
 * The email that tells a contributor to look at their status page. It never carries the
 * editor's words, the offer's terms or the contributor's secret: those stay behind the
 * status page's sign-in, so a forwarded or intercepted mail gives nothing away.
 */
export function composeNotification(kind: NotificationKind, facts: NotificationFacts): OutgoingMail {
  const wording = WORDING[kind];
  const url = statusPageUrl(facts.publicBaseUrl, facts.reference);
  const text = [
    'Hello,',
    '',
    `${wording.line} ${facts.reference}.`,
    '',
    `${wording.action}:`,
    url,
    '',
    'Sign in there with your reference and the secret from your receipt. We never send your secret by email.',
    '',
    'The news desk',
    '',
  ].join('\n');
  const html = NOTIFICATION_HTML({ line: wording.line, reference: facts.reference, action: wording.action, url });
  return {
    to: facts.to,
    subject: `Your tip ${facts.reference}: ${wording.subject}`,
    text,
    html,
    headers: { 'Auto-Submitted': 'auto-generated' },
  };
}
