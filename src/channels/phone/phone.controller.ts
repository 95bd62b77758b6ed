import { Body, Controller, HttpCode, Param, Post, Req, UseInterceptors } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBody,
  ApiConflictResponse,
  ApiConsumes,
  ApiCreatedResponse,
  ApiOperation,
  ApiPayloadTooLargeResponse,
  ApiTags,
  ApiUnsupportedMediaTypeResponse,
} from '@nestjs/swagger';
import type { Request } from 'express';
import { TipIdParams } from '../../desk/dto/update-tip.dto.js';
import { MediaUploadInterceptor, uploadedMedia } from '../../media/media-upload.interceptor.js';
import { Access, CsrfInMediaForm, CurrentStaff, type StaffPrincipal } from '../../staff/access.js';
import { AddedFilesDto, AddFilesDto, CreatePhoneTipDto, PhoneTipDto } from './dto/phone-tip.dto.js';
import { PhoneService } from './phone.service.js';

@ApiTags('desk')
@Controller('api/tips')
@Access('editor', 'admin')
export class PhoneController {
  constructor(private readonly phone: PhoneService) {}

  @Post('phone')
  @HttpCode(201)
  @ApiOperation({ summary: 'Log a phone call as a tip (channel phone); you are recorded as the one who took it' })
  @ApiCreatedResponse({ type: PhoneTipDto, description: 'Read the reference and secret to the caller: the secret is shown only this once' })
  @ApiBadRequestResponse({ description: 'VALIDATION_FAILED (callerNumber, story, location, occurredAt)' })
  logCall(@CurrentStaff() staff: StaffPrincipal, @Body() call: CreatePhoneTipDto): Promise<PhoneTipDto> {
    return this.phone.logCall(staff, call);
  }

  @Post(':id/media')
  @HttpCode(201)
  @CsrfInMediaForm()
  @UseInterceptors(MediaUploadInterceptor)
  @ApiOperation({ summary: 'Add files a caller sent later to a phone tip: multipart/form-data, files in `files`; all or none' })
  @ApiConsumes('multipart/form-data')
  @ApiBody({ schema: { type: 'object', required: ['files'], properties: { files: { type: 'array', items: { type: 'string', format: 'binary' } } } } })
  @ApiCreatedResponse({ type: AddedFilesDto })
  @ApiBadRequestResponse({ description: 'VALIDATION_FAILED (no files), TOO_MANY_FILES' })
  @ApiConflictResponse({ description: 'TIP_NOT_PHONE: files are added by the desk to phone tips only' })
  @ApiPayloadTooLargeResponse({ description: 'FILE_TOO_LARGE' })
  @ApiUnsupportedMediaTypeResponse({ description: 'UNSUPPORTED_MEDIA_TYPE (judged by the bytes)' })
  addFiles(@CurrentStaff() staff: StaffPrincipal, @Param() { id }: TipIdParams, @Body() _fields: AddFilesDto, @Req() req: Request): Promise<AddedFilesDto> {
    return this.phone.addFiles(staff, id, uploadedMedia(req));
  }
}
