import { Controller, Get, Header } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Challenge } from 'altcha-lib';
import { Access } from '../staff/access.js';
import { PowService } from './pow.service.js';

@ApiTags('public')
@Controller('api/pow')
@Access('public')
export class PowController {
  constructor(private readonly pow: PowService) {}

  @Get('challenge')
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    summary:
      'A signed ALTCHA challenge (PBKDF2/SHA-256). Its solution goes in the X-Altcha header of POST /api/tips or a tus creation when they ask for one (403 POW_REQUIRED)',
  })
  @ApiOkResponse({ description: '`{parameters, signature}` as altcha-lib creates it; expires after POW_CHALLENGE_SECONDS' })
  challenge(): Promise<Challenge> {
    return this.pow.challenge();
  }
}
