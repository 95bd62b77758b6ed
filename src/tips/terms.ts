import { createHash } from 'node:crypto';

/**
 * The exact terms a contributor agrees to. The consent record keeps the version and the SHA-256
 * of this text, so the paper can show later what was accepted. Change the text: change the version.
 */
export const TERMS_VERSION = '2026-11-v1';
export const TERMS_TEXT = `By sending this tip you confirm that:
1. What you send is true to the best of your knowledge.
2. If you send photos, video or audio, you made them yourself (or you have the right to give them to us), and you are 18 or over.
3. You give the newspaper a licence to publish, edit and syndicate what you send, in print and online, with the licence you chose: exclusive (only we may use it; we pay more) or non-exclusive (you may also offer it to others).
4. We only pay for material we use, at a price we agree with you before payment.
5. We keep your contact details private and use them only to talk to you about this tip. We never reveal a confidential source.`;

export const TERMS_SHA256 = createHash('sha256').update(TERMS_TEXT).digest('hex');
