import { Injectable } from '@nestjs/common';
import { FieldCipher } from '../crypto/field-cipher.js';
import { NotFoundError } from '../http/errors.js';
import { TERMS_SHA256, TERMS_TEXT, TERMS_VERSION } from './terms.js';
import type { Licence, TipChannel, TipStatus } from './tips.entities.js';
import { TipPrivacyRepository } from './tip-privacy.repository.js';

/** What tips/ holds about one tip, readable: the story, the contributor's contact details, the consents with the terms' text. */
export interface TipAccessRecord {
  tip: {
    reference: string;
    channel: TipChannel;
    status: TipStatus;
    story: string;
    location: string | null;
    occurredAt: string | null;
    receivedAt: string;
    updatedAt: string;
  };
  contact: { name: string | null; email: string | null; phone: string | null };
  consents: {
    termsVersion: string;
    termsSha256: string;
    /** The exact text shown, when this server still has it (its SHA-256 matches); else null. */
    termsText: string | null;
    licence: Licence;
    ownWork: boolean;
    over18: boolean;
    creditName: string | null;
    anonymous: boolean;
    channel: TipChannel;
    acceptedAt: string;
    userAgent: string | null;
  }[];
}

/** tips/'s side of the right of access (privacy/ builds the export from it and the other modules' sides). */
@Injectable()
export class TipAccessService {
  constructor(
    private readonly repository: TipPrivacyRepository,
    private readonly cipher: FieldCipher,
  ) {}

  async record(tipId: string): Promise<TipAccessRecord> {
    const row = await this.repository.accessRecord(tipId);
    if (!row) throw new NotFoundError('TIP_NOT_FOUND', 'This tip no longer exists.');
    const consents = await this.repository.consentsForAccess(tipId);
    const open = (value: string | null) => (value === null ? null : this.cipher.decrypt(value));
    return {
      tip: {
        reference: row.reference,
        channel: row.channel,
        status: row.status,
        story: row.story,
        location: row.location,
        occurredAt: row.occurredAt?.toISOString() ?? null,
        receivedAt: row.createdAt.toISOString(),
        updatedAt: row.updatedAt.toISOString(),
      },
      contact: { name: row.contributorName, email: open(row.emailEncrypted), phone: open(row.phoneEncrypted) },
      consents: consents.map((c) => ({
        ...c,
        termsText: c.termsVersion === TERMS_VERSION && c.termsSha256 === TERMS_SHA256 ? TERMS_TEXT : null,
        acceptedAt: c.acceptedAt.toISOString(),
      })),
    };
  }
}
