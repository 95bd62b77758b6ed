// tipdesk's one PDF layout: a title, then headed sections of plain lines, A4, Helvetica. The
// library is pdf-lib, imported only when a PDF is drawn or read (the operations issue's memory
// target: a process that never makes a PDF never loads it). Why pdf-lib and not pdfkit: the
// verifier must read the signed statement back out of a certificate, and pdf-lib both writes and
// parses PDFs (pdfkit only writes); it is pure JavaScript with the standard fonts built in, so no
// font files and no native build. Its last release is 1.17.1 (2021): it is stable, not abandoned
// by its users (millions of weekly downloads), and what we use of it is the core of the format.
import anyAscii from 'any-ascii';

export interface PdfSection {
  heading: string;
  lines: string[];
}

export interface TextPdf {
  title: string;
  sections: PdfSection[];
  /** Machine-readable text stored in the document information dictionary under `payloadKey`. */
  payload?: { key: string; text: string };
}

const PAGE = { width: 595.28, height: 841.89, margin: 56 };
const SIZE = { title: 18, heading: 12, body: 10 };

// The standard fonts speak WinAnsi only: anything else is written in its closest ASCII.
const printable = (text: string) => anyAscii(text).replace(/[^\x20-\x7e]/g, '?');

function wrap(text: string, width: number, measure: (s: string) => number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of printable(text).split(/\s+/)) {
    const candidate = line ? `${line} ${word}` : word;
    if (measure(candidate) <= width || !line) line = candidate;
    else {
      lines.push(line);
      line = word;
    }
  }
  lines.push(line);
  // A single word longer than the line (a hash) is cut into pieces that fit.
  return lines.flatMap((l) => {
    if (measure(l) <= width) return [l];
    const pieces: string[] = [];
    let piece = '';
    for (const ch of l) {
      if (measure(piece + ch) > width) {
        pieces.push(piece);
        piece = '';
      }
      piece += ch;
    }
    return [...pieces, piece];
  });
}

export async function renderTextPdf(doc: TextPdf): Promise<Buffer> {
  const { PDFDict, PDFDocument, PDFHexString, PDFName, StandardFonts } = await import('pdf-lib');
  const pdf = await PDFDocument.create();
  pdf.setTitle(printable(doc.title));
  pdf.setProducer('tipdesk');
  pdf.setCreator('tipdesk');
  const regular = await pdf.embedFont(StandardFonts.Helvetica);
  const bold = await pdf.embedFont(StandardFonts.HelveticaBold);
  const width = PAGE.width - 2 * PAGE.margin;
  let page = pdf.addPage([PAGE.width, PAGE.height]);
  let y = PAGE.height - PAGE.margin;
  const draw = (text: string, font: typeof regular, size: number, gap: number) => {
    for (const line of wrap(text, width, (s) => font.widthOfTextAtSize(s, size))) {
      if (y - size < PAGE.margin) {
        page = pdf.addPage([PAGE.width, PAGE.height]);
        y = PAGE.height - PAGE.margin;
      }
      y -= size;
      page.drawText(line, { x: PAGE.margin, y, size, font });
      y -= gap;
    }
  };
  draw(doc.title, bold, SIZE.title, 12);
  for (const section of doc.sections) {
    y -= 6;
    draw(section.heading, bold, SIZE.heading, 6);
    for (const line of section.lines) draw(line, regular, SIZE.body, 4);
  }
  if (doc.payload) {
    const info = pdf.context.lookup(pdf.context.trailerInfo.Info);
    if (info instanceof PDFDict) info.set(PDFName.of(doc.payload.key), PDFHexString.fromText(doc.payload.text));
  }
  return Buffer.from(await pdf.save());
}

/** The text stored under `key` in a PDF's information dictionary; undefined when the file is no PDF or has none. */
export async function readPdfPayload(bytes: Uint8Array, key: string): Promise<string | undefined> {
  const { PDFDocument, PDFDict, PDFHexString, PDFName, PDFString } = await import('pdf-lib');
  let pdf: Awaited<ReturnType<typeof PDFDocument.load>>;
  try {
    pdf = await PDFDocument.load(bytes, { updateMetadata: false });
  } catch {
    return undefined;
  }
  const info = pdf.context.lookup(pdf.context.trailerInfo.Info);
  if (!(info instanceof PDFDict)) return undefined;
  const value = info.lookup(PDFName.of(key));
  return value instanceof PDFHexString || value instanceof PDFString ? value.decodeText() : undefined;
}
