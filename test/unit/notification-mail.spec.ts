import { describe, expect, it } from '@jest/globals';
import { composeNotification } from '../../src/notifications/notification-mail.js';
import { statusPageUrl } from '../../src/text/status-url.js';
import { outboxTimestamp } from '../../src/notifications/outbox-mailer.js';

const facts = { to: 'pat@example.org', reference: 'TD-7K3Q-9XRM', publicBaseUrl: 'https://tips.example.com' };

describe('composeNotification', () => {
  it.each([
    ['message', 'Your tip TD-7K3Q-9XRM: a message from the news desk'],
    ['offer', 'Your tip TD-7K3Q-9XRM: an offer for your tip'],
  ] as const)('a %s: subject %j, the status link in text and HTML', (kind, subject) => {
    const mail = composeNotification(kind, facts);
    expect(mail.to).toBe('pat@example.org');
    expect(mail.subject).toBe(subject);
    expect(mail.text).toContain('https://tips.example.com/status?reference=TD-7K3Q-9XRM');
    // Handlebars escapes `=` too; an attribute value decodes it back.
    expect(mail.html).toContain('href="https://tips.example.com/status?reference&#x3D;TD-7K3Q-9XRM"');
    expect(mail.headers).toEqual({ 'Auto-Submitted': 'auto-generated' });
  });

  it("never puts the contributor's address in the body", () => {
    const mail = composeNotification('message', facts);
    expect(mail.text).not.toContain('pat@example.org');
    expect(mail.html).not.toContain('pat@example.org');
  });

  it('escapes what it puts in the HTML and encodes the reference in the link', () => {
    const mail = composeNotification('offer', { ...facts, reference: 'TD-<b>&"x' });
    expect(mail.html).not.toContain('<b>');
    expect(mail.html).toContain('TD-&lt;b&gt;&amp;&quot;x');
    expect(statusPageUrl('https://t.example', 'A B&C')).toBe('https://t.example/status?reference=A%20B%26C');
  });
});

describe('outboxTimestamp', () => {
  it('is sortable and has no colons', () => {
    expect(outboxTimestamp(new Date('2026-11-25T12:15:00.123Z'))).toBe('20261125T121500123Z');
  });
});
