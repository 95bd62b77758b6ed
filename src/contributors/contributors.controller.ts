import { Body, Controller, Delete, Get, HttpCode, Post, Req, Res, UseInterceptors } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBody,
  ApiConflictResponse,
  ApiConsumes,
  ApiCreatedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiPayloadTooLargeResponse,
  ApiTags,
  ApiUnsupportedMediaTypeResponse,
} from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { MediaUploadInterceptor, uploadedMedia } from '../media/media-upload.interceptor.js';
import { Access, CsrfInMediaForm, CurrentContributor, SkipCsrf, type ContributorCaller } from '../staff/access.js';
import { SESSION_COOKIES, SessionsService } from '../staff/sessions.service.js';
import { ContributorsService } from './contributors.service.js';
import { AddedMediaDto, AddMediaDto, ContributorMessageDto, ContributorReplyDto, ContributorSignInDto, ContributorTipDto } from './dto/contributor.dto.js';

@ApiTags('contributor')
@Controller('api/contributor')
export class ContributorsController {
  constructor(
    private readonly contributors: ContributorsService,
    private readonly sessions: SessionsService,
  ) {}

  @Post('session')
  @HttpCode(200)
  @Access('public')
  @SkipCsrf()
  @ApiOperation({ summary: 'Sign in with the reference and secret from the receipt; the cookie sees that one tip' })
  async signIn(@Body() body: ContributorSignInDto, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    const signedIn = await this.contributors.signIn(body.reference, body.secret, req.ip ?? 'unknown');
    await this.sessions.revokeToken(req.cookies?.[SESSION_COOKIES.contributor]);
    this.sessions.setCookie(req, res, 'contributor', signedIn.token);
    res.setHeader('Cache-Control', 'no-store');
    return { reference: signedIn.reference, csrfToken: signedIn.csrfToken };
  }

  @Delete('session')
  @HttpCode(204)
  @Access('contributor')
  async signOut(@CurrentContributor() caller: ContributorCaller, @Req() req: Request, @Res({ passthrough: true }) res: Response): Promise<void> {
    await this.sessions.revoke(caller.session.tokenHash);
    this.sessions.clearCookie(req, res, 'contributor');
  }

  @Get('tip')
  @Access('contributor')
  @ApiOkResponse({ type: ContributorTipDto })
  tip(@CurrentContributor() caller: ContributorCaller, @Res({ passthrough: true }) res: Response): Promise<ContributorTipDto> {
    res.setHeader('Cache-Control', 'no-store');
    return this.contributors.tip(caller.tipId);
  }

  @Post('messages')
  @Access('contributor')
  @ApiOperation({ summary: "Reply to the desk; the message goes on the tip's channel and the editors read it on the tip page" })
  @ApiCreatedResponse({ type: ContributorMessageDto })
  reply(@CurrentContributor() caller: ContributorCaller, @Body() body: ContributorReplyDto): Promise<ContributorMessageDto> {
    return this.contributors.reply(caller.tipId, body.body);
  }

  @Post('media')
  @Access('contributor')
  @CsrfInMediaForm()
  @UseInterceptors(MediaUploadInterceptor)
  @ApiOperation({
    summary:
      'Add more files to the tip: multipart/form-data, files in `files`, or JSON `{uploads: [ids of finished tus uploads]}`; all are added or none. CSRF token in X-CSRF-Token (or a `_csrf` field before the files)',
  })
  @ApiConsumes('multipart/form-data', 'application/json')
  @ApiBody({
    schema: {
      type: 'object',
      properties: {
        files: { type: 'array', items: { type: 'string', format: 'binary' } },
        uploads: { type: 'array', items: { type: 'string', format: 'uuid' } },
      },
    },
  })
  @ApiCreatedResponse({ type: AddedMediaDto })
  @ApiBadRequestResponse({ description: 'VALIDATION_FAILED (no files; `fields.files`), TOO_MANY_FILES (over MAX_FILES_PER_TIP with the files the tip has)' })
  @ApiConflictResponse({ description: 'TIP_CLOSED: the tip is no longer open (used, rejected, spam or archived)' })
  @ApiPayloadTooLargeResponse({ description: 'FILE_TOO_LARGE: a file over MAX_FILE_BYTES' })
  @ApiUnsupportedMediaTypeResponse({ description: 'UNSUPPORTED_MEDIA_TYPE: a file that is not video, image or audio (judged by its bytes)' })
  addMedia(@CurrentContributor() caller: ContributorCaller, @Body() fields: AddMediaDto, @Req() req: Request): Promise<AddedMediaDto> {
    return this.contributors.addMedia(caller.tipId, uploadedMedia(req), fields.uploads);
  }
}
