import { ApiProperty, ApiPropertyOptional, OmitType } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsEmail, IsIn, IsOptional, IsString, IsUUID, Matches, MaxLength, MinLength } from 'class-validator';
import { PASSWORD_MAX_LENGTH } from '../passwords.js';
import { STAFF_ROLES, type StaffRole } from '../staff.entities.js';

const trimmed = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);
const emailAddress = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim().toLowerCase() : value);
const blankToUndefined = ({ value }: { value: unknown }) => (typeof value === 'string' && value.trim() === '' ? undefined : value);

export class LoginDto {
  @ApiProperty({ example: 'editor@example.org' })
  @Transform(emailAddress)
  @IsString()
  @MaxLength(254)
  @MinLength(1, { message: 'Enter your email address' })
  email: string;

  @ApiProperty()
  @IsString()
  @MaxLength(PASSWORD_MAX_LENGTH)
  @MinLength(1, { message: 'Enter your password' })
  password: string;

  @ApiPropertyOptional({ description: 'The 6-digit code from the authenticator app, or a recovery code' })
  @Transform(blankToUndefined)
  @IsOptional()
  @IsString()
  @MaxLength(20)
  totp?: string;
}

export class StaffUserDto {
  @ApiProperty() id: string;
  @ApiProperty() email: string;
  @ApiProperty() name: string;
  @ApiProperty({ enum: STAFF_ROLES }) role: StaffRole;
  @ApiProperty() totpEnabled: boolean;
  @ApiProperty() disabled: boolean;
  @ApiProperty() locked: boolean;
  @ApiProperty({ type: String, nullable: true }) lastSignInAt: string | null;
  @ApiProperty() createdAt: string;
}

export class SessionDto {
  @ApiProperty({ type: StaffUserDto }) user: StaffUserDto;
  @ApiProperty({ description: 'Send it back in the X-CSRF-Token header (or a `_csrf` form field) with every state-changing request' })
  csrfToken: string;
  @ApiProperty({ description: 'True when REQUIRE_2FA is on and this user must enrol a second factor before anything else' })
  totpEnrolmentRequired: boolean;
}

export class CreateStaffDto {
  @ApiProperty()
  @Transform(emailAddress)
  @IsEmail({}, { message: 'Enter a valid email address' })
  @MaxLength(254)
  email: string;

  @ApiProperty()
  @Transform(trimmed)
  @IsString()
  @MinLength(1, { message: 'Enter a name' })
  @MaxLength(200)
  name: string;

  @ApiProperty({ enum: STAFF_ROLES })
  @IsIn(STAFF_ROLES, { message: `role must be one of ${STAFF_ROLES.join(', ')}` })
  role: StaffRole;

  @ApiProperty({ description: 'At least 12 characters; the person should change it after signing in' })
  @IsString()
  @MaxLength(PASSWORD_MAX_LENGTH)
  password: string;
}

export class UpdateStaffDto {
  @ApiPropertyOptional()
  @Transform(trimmed)
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  name?: string;

  @ApiPropertyOptional({ enum: STAFF_ROLES })
  @IsOptional()
  @IsIn(STAFF_ROLES, { message: `role must be one of ${STAFF_ROLES.join(', ')}` })
  role?: StaffRole;

  @ApiPropertyOptional({ description: 'Disabling signs the person out everywhere' })
  @IsOptional()
  @IsBoolean()
  disabled?: boolean;
}

/** An admin sets a forgotten password for someone else (POST /api/staff/:id/password). */
export class SetStaffPasswordDto {
  @ApiProperty({ description: 'At least 12 characters; the person should change it after signing in' })
  @IsString()
  @MaxLength(PASSWORD_MAX_LENGTH)
  password: string;
}

/** The first account, made from the one-time link in the log; it is always an admin. */
export class SetupFirstAdminDto extends OmitType(CreateStaffDto, ['role'] as const) {
  @ApiProperty({ description: 'The token from the one-time setup link printed in the log' })
  @IsString()
  @MaxLength(100)
  token: string;
}

export class ChangePasswordDto {
  @ApiProperty()
  @IsString()
  @MaxLength(PASSWORD_MAX_LENGTH)
  currentPassword: string;

  @ApiProperty()
  @IsString()
  @MaxLength(PASSWORD_MAX_LENGTH)
  newPassword: string;
}

export class TotpCodeDto {
  @ApiProperty({ description: 'The 6-digit code the authenticator app shows now' })
  @IsString()
  @Matches(/^\s*\d{3}\s?\d{3}\s*$/, { message: 'Enter the 6-digit code from your authenticator app' })
  code: string;
}

export class TotpEnrolmentDto {
  @ApiProperty({ description: 'Base32 secret, for apps that cannot scan' }) secret: string;
  @ApiProperty() otpauthUrl: string;
  @ApiProperty({ description: 'The otpauth URL as an SVG QR code (data: URL)' }) qrCode: string;
}

export class RecoveryCodesDto {
  @ApiProperty({ type: [String], description: 'Single-use codes that stand in for the authenticator; shown once' })
  recoveryCodes: string[];
}

export class StaffIdParams {
  @IsUUID('all', { message: 'Not a valid staff id' })
  id: string;
}
