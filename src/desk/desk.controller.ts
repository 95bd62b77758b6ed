import { Body, Controller, Get, Header, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiBadRequestResponse, ApiConflictResponse, ApiCreatedResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Access, CurrentStaff, type StaffPrincipal } from '../staff/access.js';
import { CreateMessageDto, CreateNoteDto, MessageDto, NoteDto } from './dto/conversation.dto.js';
import { TipDetailDto } from './dto/tip-detail.dto.js';
import { TipPageDto } from './dto/tip-list.dto.js';
import { ListTipsQueryDto } from './dto/tip-query.dto.js';
import { TipIdParams, UpdateTipDto } from './dto/update-tip.dto.js';
import { DeskService } from './desk.service.js';

@ApiTags('desk')
@Controller('api/tips')
@Access('editor', 'admin')
export class DeskController {
  constructor(private readonly desk: DeskService) {}

  @Get()
  @Header('Cache-Control', 'no-store')
  @ApiOperation({ summary: 'The queue: filters, search and keyset pages (pass `nextCursor` back as `cursor`)' })
  @ApiOkResponse({ type: TipPageDto })
  @ApiBadRequestResponse({ description: 'VALIDATION_FAILED (a filter, e.g. q over 200 characters) or INVALID_CURSOR' })
  list(@CurrentStaff() staff: StaffPrincipal, @Query() query: ListTipsQueryDto): Promise<TipPageDto> {
    return this.desk.list(staff, query);
  }

  @Post('next')
  @HttpCode(200)
  @ApiOperation({ summary: 'Claim the oldest unclaimed new tip: it becomes in_review and yours' })
  @ApiOkResponse({ type: TipDetailDto })
  @ApiNotFoundResponse({ description: 'QUEUE_EMPTY: no new tip is waiting' })
  claimNext(@CurrentStaff() staff: StaffPrincipal): Promise<TipDetailDto> {
    return this.desk.claimNext(staff);
  }

  @Get(':id')
  @Header('Cache-Control', 'no-store')
  @ApiOperation({ summary: 'One tip in full: contact details, consents, media, notes, messages, duplicates, history' })
  @ApiOkResponse({ type: TipDetailDto })
  @ApiNotFoundResponse({ description: 'TIP_NOT_FOUND' })
  detail(@CurrentStaff() staff: StaffPrincipal, @Param() { id }: TipIdParams): Promise<TipDetailDto> {
    return this.desk.detail(staff, id);
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Change status, assignee, tags, priority or duplicate link, if `version` is still current' })
  @ApiOkResponse({ type: TipDetailDto })
  @ApiBadRequestResponse({ description: 'VALIDATION_FAILED, ASSIGNEE_NOT_ASSIGNABLE, DUPLICATE_OF_ITSELF, DUPLICATE_OF_UNKNOWN_TIP' })
  @ApiNotFoundResponse({ description: 'TIP_NOT_FOUND, or STAFF_NOT_FOUND for an unknown assigneeId' })
  @ApiConflictResponse({
    description:
      'TIP_STALE_VERSION (body has `current`: the tip now), TIP_ILLEGAL_TRANSITION (`from`, `to`, `allowed`), TIP_UNKNOWN_STATUS (the same, and `statuses`), TIP_DUPLICATE_CYCLE',
  })
  update(@CurrentStaff() staff: StaffPrincipal, @Param() { id }: TipIdParams, @Body() changes: UpdateTipDto): Promise<TipDetailDto> {
    return this.desk.update(staff, id, changes);
  }

  @Post(':id/notes')
  @ApiOperation({ summary: 'An internal note (the contributor never sees it)' })
  @ApiCreatedResponse({ type: NoteDto })
  @ApiNotFoundResponse({ description: 'TIP_NOT_FOUND' })
  addNote(@CurrentStaff() staff: StaffPrincipal, @Param() { id }: TipIdParams, @Body() note: CreateNoteDto): Promise<NoteDto> {
    return this.desk.addNote(staff, id, note);
  }

  @Post(':id/messages')
  @ApiOperation({ summary: 'A message to the contributor, on the tip’s channel; they read it on the status page' })
  @ApiCreatedResponse({ type: MessageDto })
  @ApiNotFoundResponse({ description: 'TIP_NOT_FOUND' })
  sendMessage(@CurrentStaff() staff: StaffPrincipal, @Param() { id }: TipIdParams, @Body() message: CreateMessageDto): Promise<MessageDto> {
    return this.desk.sendMessage(staff, id, message);
  }
}
