import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsUUID } from 'class-validator';

export class MediaIdParams {
  @IsUUID('all', { message: 'Not a valid media id' })
  id: string;
}

export class MediaContentQuery {
  @ApiPropertyOptional({ enum: ['1', '0'], description: '`1`: Content-Disposition attachment (save), instead of inline (play)' })
  @IsOptional()
  @IsIn(['1', '0'], { message: 'download must be 1 or 0' })
  download?: '1' | '0';

  @ApiPropertyOptional({
    enum: ['1', '0'],
    description: '`1` with `download=1`: the editor confirmed the download of a file the virus scan has not cleared (pending or failed)',
  })
  @IsOptional()
  @IsIn(['1', '0'], { message: 'unscanned must be 1 or 0' })
  unscanned?: '1' | '0';
}
