import { HttpStatus } from '@nestjs/common';
import type { Request } from 'express';
import { fileTypeStream } from 'file-type';
import type { StorageEngine } from 'multer';
import { pipeline, type Readable, type Transform } from 'node:stream';
import { DomainError } from '../http/errors.js';
import type { BlobStore } from '../storage/blob-store.js';
import { mediaKindOf, sanitiseDisplayFilename } from './media-files.js';
import type { MediaKind } from './media.entities.js';

/** A file from a form post, stored under a temporary key and not yet attached to a tip. */
export interface UploadedMedia {
  tempKey: string;
  size: number;
  sha256: string;
  sniffedType: string;
  kind: MediaKind;
  displayFilename: string;
  declaredType: string | null;
}

export class UnsupportedMediaTypeError extends DomainError {
  constructor(filename: string) {
    super(HttpStatus.UNSUPPORTED_MEDIA_TYPE, 'UNSUPPORTED_MEDIA_TYPE', `"${filename}" is not a video, photo or audio file we can accept`, {
      files: [`"${filename}" is not a video, photo or audio file`],
    });
  }
}

// Enough for file-type to recognise every container it knows (its own default sample size).
const SNIFF_BYTES = 4100;

/**
 * Judges a stream by its first bytes (never a name or a declared type): `media` is set only for
 * video, image or audio. Read on from `stream`, which still carries every byte.
 */
export async function sniffMedia(
  source: Readable,
): Promise<{ stream: Readable & { fileType?: { mime: string; ext: string } }; media?: { mime: string; ext: string; kind: MediaKind } }> {
  const stream = await fileTypeStream(source, { sampleSize: SNIFF_BYTES });
  const detected = stream.fileType;
  const kind = mediaKindOf(detected?.mime);
  return { stream, media: detected && kind ? { mime: detected.mime, ext: detected.ext, kind } : undefined };
}

/**
 * A multer storage engine that streams each part straight into the BlobStore: the type is
 * judged from the first bytes (never the name or the declared type), the SHA-256 and size are
 * computed on the way, and nothing is held whole in memory.
 */
export class BlobStorageEngine implements StorageEngine {
  constructor(
    private readonly store: BlobStore,
    private readonly maxBytes: number,
    /** Told the size of each file stored (the upload metrics). */
    private readonly onStored: (bytes: number) => void = () => undefined,
    /** A pass-through each file's bytes go through first (the client's daily upload quota), if any. */
    private readonly meterFor: (req: Request) => Transform | undefined = () => undefined,
  ) {}

  _handleFile(req: Request, file: Express.Multer.File, callback: (error?: unknown, info?: Partial<Express.Multer.File>) => void): void {
    this.store_(req, file).then(
      (stored) => {
        this.onStored(stored.size);
        callback(null, stored as unknown as Partial<Express.Multer.File>);
      },
      (error) => callback(error),
    );
  }

  _removeFile(_req: Request, file: Express.Multer.File, callback: (error: Error | null) => void): void {
    const { tempKey } = file as unknown as UploadedMedia;
    this.store.delete(tempKey).then(() => callback(null), callback);
  }

  private store_(req: Request, file: Express.Multer.File): Promise<UploadedMedia> {
    const source = file.stream as Readable;
    const meter = this.meterFor(req);
    // pipeline, not pipe: a client that goes away mid-file must fail the write (and so remove its
    // temporary blob), and a refusal by the meter must end the part (multer then drains the request).
    const metered = meter ? pipeline(source, meter, () => undefined) : source;
    return stageMedia(this.store, metered, { originalName: file.originalname, declaredType: file.mimetype }, this.maxBytes);
  }
}

/**
 * Streams one file into the BlobStore under a temporary key: its type judged from the first
 * bytes (never the name or the declared type), SHA-256 and size computed on the way, refused
 * with 415 (the rest of the stream drained) when it is not video, image or audio, and with
 * 413 past `maxBytes`. Every intake (form, mail attachment, WhatsApp download) goes through it.
 */
export async function stageMedia(
  store: BlobStore,
  stream: Readable,
  file: { originalName: string; declaredType?: string | null },
  maxBytes: number,
): Promise<UploadedMedia> {
  const { stream: sniffing, media } = await sniffMedia(stream);
  const displayFilename = sanitiseDisplayFilename(file.originalName, sniffing.fileType?.ext);
  if (!media) {
    sniffing.resume(); // let the rest drain so the sender (multer, a mail parser) can finish
    throw new UnsupportedMediaTypeError(displayFilename);
  }
  const blob = await store.writeTemporary(sniffing, { maxBytes });
  return {
    ...blob,
    sniffedType: media.mime,
    kind: media.kind,
    displayFilename,
    declaredType: file.declaredType ? file.declaredType.slice(0, 255) : null,
  };
}
