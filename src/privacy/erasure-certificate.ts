// The erasure certificate: a statement of what an erasure removed and kept, signed with the
// server's Ed25519 key (crypto/certificate-key.ts). The JSON twin is the statement and its
// signature; the PDF prints the statement for people and carries the same JSON in its document
// information (under PAYLOAD_KEY), so `certificate:verify` checks either file the same way.
import { signText, verifyText, type CertificateSigningKey } from '../crypto/certificate-key.js';
import { readPdfPayload, renderTextPdf, type PdfSection } from '../documents/text-pdf.js';

export const PAYLOAD_KEY = 'TipdeskErasureCertificate';

export interface ErasedFile {
  id: string;
  kind: string;
  sizeBytes: number;
  sha256: string;
}

export interface KeptRecord {
  what: string;
  why: string;
}

/** What is signed. Ids, counts, hashes and the staff member's name: never the tip's content. */
export interface ErasureStatement {
  certificate: 'tipdesk erasure certificate';
  version: 1;
  tip: { id: string; reference: string; channel: string; receivedAt: string };
  erasedAt: string;
  /** id null: retention erased it under one of its rules. */
  erasedBy: { id: string | null; name: string };
  reason: string;
  requestedByContributor: boolean;
  erased: {
    story: boolean;
    contactDetails: string[];
    messages: number;
    noteTexts: number;
    files: ErasedFile[];
    posters: number;
    /** Each poster's SHA-256 (null: it could not be read when the tip was erased). Absent in certificates made before it was listed. */
    posterDigests?: { mediaId: string; sha256: string | null }[];
    payeeDetailsDeleted: number;
    payeeDetailsMasked: number;
    senderHashes: number;
    filesWaitingToBeFetched: number;
  };
  kept: KeptRecord[];
  signingKeyId: string;
}

/** The JSON twin: the statement and its signature over JSON.stringify(statement). */
export interface SignedCertificate {
  statement: ErasureStatement;
  signature: { algorithm: 'Ed25519'; keyId: string; value: string };
}

export function signStatement(key: CertificateSigningKey, statement: ErasureStatement): { text: string; signature: string } {
  const text = JSON.stringify(statement);
  return { text, signature: signText(key, text) };
}

export function certificateJson(statementText: string, signature: string): SignedCertificate {
  const statement = JSON.parse(statementText) as ErasureStatement;
  return { statement, signature: { algorithm: 'Ed25519', keyId: statement.signingKeyId, value: signature } };
}

export type Verification = { valid: true; statement: ErasureStatement } | { valid: false; problem: string };

/** Checks a certificate file (its PDF or its JSON twin) against the server's key. */
export async function verifyCertificateFile(key: CertificateSigningKey, bytes: Buffer): Promise<Verification> {
  const isPdf = bytes.subarray(0, 5).toString('latin1') === '%PDF-';
  const text = isPdf ? await readPdfPayload(bytes, PAYLOAD_KEY) : bytes.toString('utf8');
  if (text === undefined) return { valid: false, problem: 'the PDF carries no signed tipdesk certificate' };
  let parsed: SignedCertificate;
  try {
    parsed = JSON.parse(text) as SignedCertificate;
  } catch {
    return { valid: false, problem: 'the file is neither a certificate PDF nor its JSON' };
  }
  if (!parsed?.statement || typeof parsed.signature?.value !== 'string') return { valid: false, problem: 'the file has no statement and signature' };
  if (parsed.signature.keyId !== key.id)
    return { valid: false, problem: `it was signed with key ${String(parsed.signature.keyId)}, not this server's key ${key.id}` };
  if (!verifyText(key, JSON.stringify(parsed.statement), parsed.signature.value))
    return { valid: false, problem: 'the signature does not match the statement: it was changed after signing' };
  return { valid: true, statement: parsed.statement };
}

const sizeText = (bytes: number) => (bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MB` : `${bytes} bytes`);

/** The certificate as a person reads it, with the signed JSON inside. */
export async function certificatePdf(certificate: SignedCertificate): Promise<Buffer> {
  const s = certificate.statement;
  const e = s.erased;
  const sections: PdfSection[] = [
    {
      heading: 'The tip',
      lines: [
        `Reference: ${s.tip.reference}`,
        `Received: ${s.tip.receivedAt} (by ${s.tip.channel})`,
        `Erased: ${s.erasedAt}`,
        s.erasedBy.id ? `Erased by: ${s.erasedBy.name} (staff id ${s.erasedBy.id})` : `Erased by: ${s.erasedBy.name}`,
        s.requestedByContributor ? 'At the request of the person who sent the tip.' : 'On the newsroom’s own decision.',
        `Reason given: ${s.reason}`,
      ],
    },
    {
      heading: 'What was erased',
      lines: [
        e.story ? 'The story, its location, date and tags.' : 'The story (already empty).',
        e.contactDetails.length ? `Contact details: ${e.contactDetails.join(', ')}.` : 'Contact details: none were held.',
        `Messages between the newsroom and the contributor: ${e.messages}.`,
        `Internal notes whose text was removed (they may have quoted the contributor): ${e.noteTexts}.`,
        `Files: ${e.files.length}; preview images made from them (posters): ${e.posters}.`,
        `Payee (bank or PayPal) details deleted: ${e.payeeDetailsDeleted}; reduced to a masked form: ${e.payeeDetailsMasked}.`,
        `Sender identities (keyed hashes of an email address or phone number): ${e.senderHashes}.`,
        `Files still waiting to be fetched from a messaging service: ${e.filesWaitingToBeFetched}.`,
      ],
    },
    {
      heading: 'SHA-256 of each erased file',
      lines: e.files.length
        ? [
            ...e.files.map((f) => `${f.kind} ${f.id} (${sizeText(f.sizeBytes)}): ${f.sha256}`),
            ...(e.posterDigests ?? []).map((p) => `poster of ${p.mediaId}: ${p.sha256 ?? 'could not be read when erased'}`),
          ]
        : ['No files.'],
    },
    { heading: 'What was kept, and why', lines: s.kept.flatMap((k) => [`${k.what}`, `   Why: ${k.why}`]) },
    {
      heading: 'Checking this certificate',
      lines: [
        `Signed with the newsroom's tipdesk key ${s.signingKeyId} (Ed25519). The signed statement is inside this PDF;`,
        'the newsroom checks it with: npm run cli -- certificate:verify FILE',
      ],
    },
  ];
  return renderTextPdf({
    title: `Erasure certificate: tip ${s.tip.reference}`,
    sections,
    payload: { key: PAYLOAD_KEY, text: JSON.stringify(certificate) },
  });
}
