import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsIn, IsNotEmpty, IsOptional, IsString, Matches, MaxLength } from 'class-validator';

const trimmed = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);

export class LegalHoldDto {
  @ApiProperty({ description: 'Why the tip is held (a claim, a court order, a regulator’s request)', maxLength: 500 })
  @Transform(trimmed)
  @IsString({ message: 'Say why the tip is held' })
  @IsNotEmpty({ message: 'Say why the tip is held' })
  @MaxLength(500, { message: 'Keep the reason under 500 characters' })
  reason: string;
}

export class EraseTipDto {
  @ApiProperty({ description: 'Why the tip is erased (printed on the certificate; not the tip’s content)', maxLength: 500 })
  @Transform(trimmed)
  @IsString({ message: 'Say why the tip is erased' })
  @IsNotEmpty({ message: 'Say why the tip is erased' })
  @MaxLength(500, { message: 'Keep the reason under 500 characters' })
  reason: string;
}

export class DeclineErasureDto {
  @ApiProperty({ description: 'Why the request is declined (the contributor reads it)', maxLength: 500 })
  @Transform(trimmed)
  @IsString({ message: 'Say why the request is declined' })
  @IsNotEmpty({ message: 'Say why the request is declined' })
  @MaxLength(500, { message: 'Keep the reason under 500 characters' })
  reason: string;
}

export class ErasureRequestDto {
  @ApiPropertyOptional({ description: 'The tip’s reference, to be sure which tip is meant: it must be the signed-in tip' })
  @IsOptional()
  @IsString()
  @MaxLength(30)
  reference?: string;
}

export class CertificateQueryDto {
  @ApiPropertyOptional({ enum: ['pdf', 'json'], default: 'pdf' })
  @IsOptional()
  @IsIn(['pdf', 'json'], { message: 'format is pdf or json' })
  format?: 'pdf' | 'json';
}

export class ErasureRequestIdParams {
  @Matches(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, { message: 'Not a valid request id' })
  id: string;
}
