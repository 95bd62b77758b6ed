import { applyDecorators, Controller, Get, Param, Query, Req, Res } from '@nestjs/common';
import { ApiHeader, ApiOperation, ApiProduces, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { Access } from '../staff/access.js';
import { MediaContentQuery, MediaIdParams } from './dto/media-content.dto.js';
import { MediaContentService, type MediaVariant } from './media-content.service.js';

/** What both routes take and answer, for the OpenAPI document. */
const MediaResponses = () =>
  applyDecorators(
    ApiHeader({
      name: 'Range',
      required: false,
      description: 'One range: `bytes=a-b`, `bytes=a-` or `bytes=-n`; several, or a malformed one, get the whole file',
    }),
    ApiHeader({ name: 'If-Range', required: false, description: 'The ETag the client holds; a different one gets the whole file' }),
    ApiHeader({ name: 'If-None-Match', required: false, description: 'The ETag the client holds: 304 when unchanged' }),
    ApiResponse({ status: 200, description: 'The whole file' }),
    ApiResponse({ status: 206, description: 'The requested range, with Content-Range' }),
    ApiResponse({ status: 304, description: 'Not modified' }),
    ApiResponse({ status: 404, description: 'MEDIA_NOT_FOUND, THUMBNAIL_NOT_FOUND' }),
    ApiResponse({
      status: 409,
      description:
        "MEDIA_SCAN_PENDING, MEDIA_SCAN_FAILED: the virus scan has not cleared the file; only `?download=1&unscanned=1` (after the desk's confirmation) gets it",
    }),
    ApiResponse({ status: 410, description: 'MEDIA_REJECTED: the file was rejected and is not served' }),
    ApiResponse({ status: 423, description: 'MEDIA_QUARANTINED: ClamAV found something in the file; it is kept but not served' }),
    ApiResponse({ status: 416, description: 'RANGE_NOT_SATISFIABLE, with `Content-Range: bytes */size`' }),
  );

/** Media for the desk (also HEAD, which Express routes here). Accounting has no use for the footage. */
@ApiTags('media')
@Controller('api/media')
@Access('editor', 'admin')
export class MediaContentController {
  constructor(private readonly media: MediaContentService) {}

  @Get(':id/content')
  @ApiOperation({ summary: 'The file as uploaded, served with its sniffed type; Range requests for seeking' })
  @ApiProduces('video/*', 'image/*', 'audio/*')
  @MediaResponses()
  content(@Param() { id }: MediaIdParams, @Query() query: MediaContentQuery, @Req() req: Request, @Res() res: Response): Promise<void> {
    return this.media.serve(mediaRequest(req, id, 'content', query), res);
  }

  @Get(':id/thumbnail')
  @ApiOperation({ summary: 'A still of the video, once processing has made one' })
  @ApiProduces('image/jpeg')
  @MediaResponses()
  thumbnail(@Param() { id }: MediaIdParams, @Query() query: MediaContentQuery, @Req() req: Request, @Res() res: Response): Promise<void> {
    return this.media.serve(mediaRequest(req, id, 'thumbnail', query), res);
  }
}

function mediaRequest(req: Request, mediaId: string, variant: MediaVariant, query: MediaContentQuery) {
  return {
    mediaId,
    variant,
    headOnly: req.method === 'HEAD',
    download: query.download === '1',
    unscanned: query.unscanned === '1',
    range: req.header('range'),
    ifRange: req.header('if-range'),
    ifNoneMatch: req.header('if-none-match'),
  };
}
