import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { cursorTimestampSql, decodeKeysetCursor, encodeKeysetCursor } from './keyset-cursor.js';
import { blankToUndefined, toInteger } from './transforms.js';

/** One page of a list, newest first (or as the list says), and where the next one starts. */
export interface KeysetPage<T> {
  items: T[];
  nextCursor: string | null;
}

/**
 * The `cursor` and `limit` query fields every keyset list takes, with the list's own page sizes:
 * `class ListPayoutsQueryDto extends KeysetPageQuery(200, 50) { state?: … }`.
 */
export function KeysetPageQuery(maxLimit: number, defaultLimit: number) {
  const limitMessage = `limit must be a whole number from 1 to ${maxLimit}`;
  class KeysetPageQueryDto {
    @ApiPropertyOptional({ description: 'The `nextCursor` of the previous page (same filters)' })
    @Transform(blankToUndefined)
    @IsOptional()
    @IsString()
    @MaxLength(200, { message: 'cursor is not valid' })
    cursor?: string;

    @ApiPropertyOptional({ minimum: 1, maximum: maxLimit, default: defaultLimit })
    @Transform(toInteger)
    @IsOptional()
    @IsInt({ message: limitMessage })
    @Min(1, { message: limitMessage })
    @Max(maxLimit, { message: limitMessage })
    limit?: number;
  }
  return KeysetPageQueryDto;
}

/** The select-list column that carries a row's cursor timestamp (see keyset-cursor.ts). */
export const cursorColumn = (timestampColumn: string) => `${cursorTimestampSql(timestampColumn)} AS cursor_at`;

/**
 * The WHERE condition for rows after `cursor` in `(timestamp, id) DESC` order (or ASC), its two
 * values added through `param`. Throws 400 INVALID_CURSOR for a cursor this server did not give out.
 */
export function afterCursor(cursor: string, columns: { at: string; id: string }, param: (value: unknown) => string, order: 'DESC' | 'ASC' = 'DESC'): string {
  const { at, id } = decodeKeysetCursor(cursor);
  return `(${columns.at}, ${columns.id}) ${order === 'DESC' ? '<' : '>'} (${param(at)}::timestamptz, ${param(id)}::uuid)`;
}

/**
 * A page from rows fetched with `LIMIT limit + 1` (the extra row says there is a next page), each
 * carrying `cursor_at` and `id`; `toItem` maps a row to what the page shows.
 */
export function keysetPage<Row extends { id: string; cursor_at?: string | null }, T>(
  rows: readonly Row[],
  limit: number,
  toItem: (row: Row) => T,
): KeysetPage<T> {
  const more = rows.length > limit;
  const page = more ? rows.slice(0, limit) : rows;
  const last = page.at(-1);
  return { items: page.map(toItem), nextCursor: more && last?.cursor_at ? encodeKeysetCursor({ at: last.cursor_at, id: last.id }) : null };
}
