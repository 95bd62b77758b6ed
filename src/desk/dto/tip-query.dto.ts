import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsBoolean, IsIn, IsISO8601, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { KeysetPageQuery } from '../../http/keyset-page.js';
import { blankToUndefined } from '../../http/transforms.js';
import { TIP_CHANNELS, TIP_STATUSES, type TipChannel, type TipStatus } from '../../tips/tips.entities.js';
import { TAG_PATTERN, TAG_RULE, TAGS_MAX, normaliseTags } from '../tags.js';
import { NEWS_KINDS, type NewsKind } from '../tip-news.js';

export const SEARCH_MAX_LENGTH = 200;
export const PAGE_SIZE_DEFAULT = 50;
export const PAGE_SIZE_MAX = 100;
export const TIP_SORTS = ['newest', 'oldest'] as const;
export type TipSort = (typeof TIP_SORTS)[number];

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

// `?status=new&status=in_review` and `?status=new,in_review` mean the same.
const toList = ({ value }: { value: unknown }) => {
  const values = Array.isArray(value) ? value : [value];
  if (!values.every((v) => typeof v === 'string')) return value;
  return (values as string[])
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter(Boolean);
};
const toTagList = (params: { value: unknown }) => {
  const list = toList(params);
  return Array.isArray(list) && list.every((v) => typeof v === 'string') ? normaliseTags(list) : list;
};
const lowerCase = (params: { value: unknown }) => {
  const value = blankToUndefined(params);
  return typeof value === 'string' ? value.toLowerCase() : value;
};
const toBoolean = ({ value }: { value: unknown }) => (value === 'true' || value === '1' ? true : value === 'false' || value === '0' ? false : value);

/**
 * The desk's queue filters (GET /api/tips). Every filter narrows; repeated values of one filter widen.
 * `cursor` and `limit` are the shared keyset page fields (the cursor is only good for the same filters and sort).
 */
export class ListTipsQueryDto extends KeysetPageQuery(PAGE_SIZE_MAX, PAGE_SIZE_DEFAULT) {
  @ApiPropertyOptional({ enum: TIP_STATUSES, isArray: true, description: 'Any of these statuses (repeat it or use a comma list)' })
  @Transform(toList)
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(TIP_STATUSES.length * 2)
  @IsIn(TIP_STATUSES, { each: true, message: `status must be one of ${TIP_STATUSES.join(', ')}` })
  status?: TipStatus[];

  @ApiPropertyOptional({
    maxLength: SEARCH_MAX_LENGTH,
    description: 'Words in the story, location or contributor name: full-text (web-search syntax: "phrase", -not, or) or parts of words',
  })
  @Transform(blankToUndefined)
  @IsOptional()
  @IsString()
  @MaxLength(SEARCH_MAX_LENGTH, { message: `q is longer than ${SEARCH_MAX_LENGTH} characters` })
  q?: string;

  @ApiPropertyOptional({ enum: TIP_CHANNELS, isArray: true, description: 'Any of these channels' })
  @Transform(toList)
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(TIP_CHANNELS.length * 2)
  @IsIn(TIP_CHANNELS, { each: true, message: `channel must be one of ${TIP_CHANNELS.join(', ')}` })
  channel?: TipChannel[];

  @ApiPropertyOptional({ description: 'A staff id, `me` or `none` (unclaimed)', example: 'me' })
  @Transform(lowerCase)
  @IsOptional()
  @IsString()
  @Matches(new RegExp(`^(me|none|${UUID.source.slice(1, -1)})$`), { message: 'assignee must be a staff id, me or none' })
  assignee?: string;

  @ApiPropertyOptional({ description: 'Only tips with (true) or without (false) media' })
  @Transform(toBoolean)
  @IsOptional()
  @IsBoolean({ message: 'hasMedia must be true or false' })
  hasMedia?: boolean;

  @ApiPropertyOptional({ type: [String], description: 'Tips carrying every one of these tags (repeat it or use a comma list)' })
  @Transform(toTagList)
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(TAGS_MAX)
  @Matches(TAG_PATTERN, { each: true, message: `each tag must be ${TAG_RULE}` })
  tag?: string[];

  @ApiPropertyOptional({ description: 'Received at or after (ISO 8601)', example: '2026-05-01' })
  @Transform(blankToUndefined)
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'from must be a date, such as 2026-05-01 or 2026-05-01T09:00Z' })
  from?: string;

  @ApiPropertyOptional({ description: 'Received before (ISO 8601); a date alone includes that whole day (UTC)', example: '2026-05-31' })
  @Transform(blankToUndefined)
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'to must be a date, such as 2026-05-31 or 2026-05-31T18:00Z' })
  to?: string;

  @ApiPropertyOptional({ enum: TIP_SORTS, default: 'newest' })
  @Transform(blankToUndefined)
  @IsOptional()
  @IsIn(TIP_SORTS, { message: 'sort must be newest or oldest' })
  sort?: TipSort;

  @ApiPropertyOptional({ enum: NEWS_KINDS, description: 'Only tips with this news since you last opened them (in the last 30 days)' })
  @Transform(blankToUndefined)
  @IsOptional()
  @IsIn(NEWS_KINDS, { message: `news must be one of ${NEWS_KINDS.join(', ')}` })
  news?: NewsKind;
}
