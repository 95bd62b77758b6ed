import { Module } from '@nestjs/common';
import { PowController } from './pow.controller.js';
import { PowRepository } from './pow.repository.js';
import { PowService } from './pow.service.js';

@Module({ controllers: [PowController], providers: [PowRepository, PowService], exports: [PowService] })
export class PowModule {}
