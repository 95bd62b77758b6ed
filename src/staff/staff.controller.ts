import { Body, Controller, Get, HttpCode, Param, Patch, Post } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Access, CurrentStaff, type StaffPrincipal } from './access.js';
import { CreateStaffDto, SetStaffPasswordDto, StaffIdParams, StaffUserDto, UpdateStaffDto } from './dto/staff.dto.js';
import { StaffService } from './staff.service.js';

@ApiTags('staff admin')
@Controller('api/staff')
@Access('admin')
export class StaffController {
  constructor(private readonly staff: StaffService) {}

  @Get()
  @ApiOkResponse({ type: [StaffUserDto] })
  list(): Promise<StaffUserDto[]> {
    return this.staff.list();
  }

  @Post()
  @ApiOperation({ summary: 'Create a staff account with a first password (the person changes it after signing in)' })
  @ApiOkResponse({ type: StaffUserDto })
  create(@CurrentStaff() actor: StaffPrincipal, @Body() body: CreateStaffDto): Promise<StaffUserDto> {
    return this.staff.create(actor, body);
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Rename, change role, disable or enable; a new role or disabling signs the person out' })
  @ApiOkResponse({ type: StaffUserDto })
  update(@CurrentStaff() actor: StaffPrincipal, @Param() { id }: StaffIdParams, @Body() body: UpdateStaffDto): Promise<StaffUserDto> {
    return this.staff.update(actor, id, body);
  }

  @Post(':id/reset-2fa')
  @HttpCode(200)
  @ApiOperation({ summary: 'Remove a lost authenticator; the person enrols again at next sign-in' })
  @ApiOkResponse({ type: StaffUserDto })
  resetTwoFactor(@CurrentStaff() actor: StaffPrincipal, @Param() { id }: StaffIdParams): Promise<StaffUserDto> {
    return this.staff.resetTwoFactor(actor, id);
  }

  @Post(':id/password')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Set a new password for someone who forgot theirs; signs them out everywhere and lifts any sign-in lock',
    description: 'Not for your own account (400 OWN_PASSWORD_NEEDS_CURRENT): use POST /api/auth/password, which asks for the current one.',
  })
  @ApiOkResponse({ type: StaffUserDto })
  setPassword(@CurrentStaff() actor: StaffPrincipal, @Param() { id }: StaffIdParams, @Body() body: SetStaffPasswordDto): Promise<StaffUserDto> {
    return this.staff.setPassword(actor, id, body.password);
  }

  @Post(':id/unlock')
  @HttpCode(200)
  @ApiOperation({ summary: 'Lift a sign-in lock caused by repeated failures' })
  @ApiOkResponse({ type: StaffUserDto })
  unlock(@CurrentStaff() actor: StaffPrincipal, @Param() { id }: StaffIdParams): Promise<StaffUserDto> {
    return this.staff.unlock(actor, id);
  }
}
