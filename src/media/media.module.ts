import { Module } from '@nestjs/common';
import { MediaUploadInterceptor } from './media-upload.interceptor.js';
import { MediaService } from './media.service.js';

@Module({ providers: [MediaService, MediaUploadInterceptor], exports: [MediaService, MediaUploadInterceptor] })
export class MediaModule {}
