import { Module } from '@nestjs/common';
import { MediaContentController } from './media-content.controller.js';
import { MediaContentService } from './media-content.service.js';
import { MediaProcessingService } from './media-processing.service.js';
import { MediaUploadInterceptor } from './media-upload.interceptor.js';
import { MediaService } from './media.service.js';

@Module({
  controllers: [MediaContentController],
  providers: [MediaService, MediaContentService, MediaUploadInterceptor, MediaProcessingService],
  exports: [MediaService, MediaUploadInterceptor, MediaProcessingService],
})
export class MediaModule {}
