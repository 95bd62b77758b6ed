import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { normaliseReference, REFERENCE_PATTERN } from '../tips/reference-codes.js';

/**
 * The triage form names a duplicate by its reference (what editors see and say); the desk's
 * update takes an id. Stopgap until DeskService offers this lookup itself (it owns the rule of
 * which tips an editor may link to); one read by the unique index on tips.reference.
 */
@Injectable()
export class TipReferenceLookup {
  constructor(private readonly dataSource: DataSource) {}

  /** The id of the tip with this reference, or undefined when there is none. */
  async idOf(typed: string): Promise<string | undefined> {
    const reference = normaliseReference(typed.slice(0, 30));
    if (!REFERENCE_PATTERN.test(reference)) return undefined;
    const [row] = await this.dataSource.query<{ id: string }[]>(`SELECT id FROM tips WHERE reference = $1`, [reference]);
    return row?.id;
  }
}
