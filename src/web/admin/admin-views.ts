import { Injectable } from '@nestjs/common';
import { AUDIT_ACTOR_TYPES } from '../../audit/audit.entities.js';
import type { AuditEventDto } from '../../audit/dto/audit-events.dto.js';
import type { DeadLetter } from '../../jobs/jobs.service.js';
import type { StaffCaller } from '../../staff/access.js';
import type { StaffUserDto } from '../../staff/dto/staff.dto.js';
import { STAFF_ROLES, type StaffRole } from '../../staff/staff.entities.js';
import { fieldMessages, formValues, PASSWORD_HINT, type FormState } from '../shared/form-errors.js';
import { compileView } from '../shared/handlebars.js';
import { AUDIT_ACTIONS, auditChange, changeInWords, eventWords } from '../shared/event-words.js';
import { StaffFrame } from '../shared/staff-frame.js';

const ROLE_LABELS: Record<StaffRole, string> = { admin: 'Admin', editor: 'Editor', accounting: 'Accounting' };
const roleOptions = (selected: unknown) => STAFF_ROLES.map((value) => ({ value, label: ROLE_LABELS[value], selected: value === selected }));

const templates = { staff: compileView(import.meta.url, 'staff'), audit: compileView(import.meta.url, 'audit') };

export interface AuditPageState {
  events: AuditEventDto[];
  /** The filter form's fields as they travel in the address. */
  form: Record<'q' | 'action' | 'actorType' | 'actorId' | 'entityType' | 'entityId' | 'from' | 'to', string>;
  filterErrors: string[];
  nextHref?: string;
  previousHref?: string;
  /** The address without the actor/entity narrowing. */
  widenHref: string;
  /** Background jobs that failed for good, newest first. */
  deadLetters: DeadLetter[];
  /** Everyone's names, for ids in the changes. */
  staffNames: Map<string, string>;
}

export interface StaffPageState {
  people: StaffUserDto[];
  /** The "add a person" form, when it came back with errors. */
  form?: FormState;
  /** An action on a row that was refused (e.g. removing the last admin). */
  listError?: string;
  /** A row's "set a new password" form that came back refused: whose, and why. */
  passwordForm?: { id: string; error: string };
  notice?: string;
}

/** What an audit event is about, in words. */
const ENTITY_WORDS: Record<string, string> = {
  tip: 'A tip',
  staff_user: 'A staff account',
  payout: 'A payment',
  payout_batch: 'A payment batch',
  paper_settings: 'Paper settings',
  payer_change: 'The paying account',
};

/** The page's alert for a refused "set a new password" form, naming whose it was. */
function passwordRefused({ people, passwordForm }: StaffPageState): string | undefined {
  if (!passwordForm) return undefined;
  const person = people.find((p) => p.id === passwordForm.id);
  return person ? `The new password for ${person.name} was not set: ${passwordForm.error}` : passwordForm.error;
}

/** The admins' pages: staff accounts and the audit log (with the background jobs that failed for good). */
@Injectable()
export class AdminViews {
  constructor(private readonly frame: StaffFrame) {}

  staff(caller: StaffCaller, state: StaffPageState): string {
    const { fields, list } = fieldMessages(state.form?.errors, ['name', 'email', 'role', 'password']);
    const values = formValues(state.form?.values, ['name', 'email', 'role']);
    const body = templates.staff({
      people: state.people.map((person) => ({
        ...person,
        isMe: person.id === caller.user.id,
        roleOptions: roleOptions(person.role),
        passwordFieldId: `password-${person.id}`,
        passwordLabel: `New password for ${person.name}`,
        passwordError: state.passwordForm?.id === person.id ? state.passwordForm.error : undefined,
      })),
      csrfToken: caller.session.csrfToken,
      listError: state.listError ?? passwordRefused(state),
      values,
      errors: fields,
      errorList: list.map((item) => ({ ...item, field: `new-${item.field}` })),
      formError: state.form?.formError,
      newRoleOptions: roleOptions(values.role ?? 'editor'),
      passwordHint: PASSWORD_HINT,
      passwordResetHint: `${PASSWORD_HINT} It signs them out everywhere and lifts any sign-in lock.`,
    });
    return this.frame.page(caller, { title: 'Staff', page: 'staff', section: 'staff', notice: state.notice, wide: true }, body);
  }

  audit(caller: StaffCaller, state: AuditPageState): string {
    const { form } = state;
    const filterHref = (key: 'actorId' | 'entityId', id: string) => `/desk/audit?${new URLSearchParams({ [key]: id })}`;
    const known = ['tip', 'staff_user', 'payout', 'payout_batch', 'paper_settings', 'payer_change'];
    const entityTypes = [...known, ...(form.entityType && !known.includes(form.entityType) ? [form.entityType] : [])];
    const narrowed = [form.actorId && 'one person', form.entityId && 'one thing'].filter(Boolean);
    const body = templates.audit({
      form,
      actions: AUDIT_ACTIONS,
      actorTypes: [
        { value: '', label: 'Anyone', selected: !form.actorType },
        ...AUDIT_ACTOR_TYPES.map((t) => ({
          value: t,
          label: t === 'system' ? 'tipdesk itself' : t === 'staff' ? 'Staff' : 'Contributors',
          selected: t === form.actorType,
        })),
      ],
      entityTypes: [
        { value: '', label: 'Anything', selected: !form.entityType },
        ...entityTypes.map((t) => ({ value: t, label: ENTITY_WORDS[t] ?? t, selected: t === form.entityType })),
      ],
      filterErrors: state.filterErrors,
      narrowedTo: narrowed.length ? `Showing the events of ${narrowed.join(' and ')}.` : undefined,
      widenHref: state.widenHref,
      events: state.events.map((event) => ({
        ...event,
        words: eventWords(event.action),
        actor: event.actorType === 'staff' ? (event.actorName ?? 'a former colleague') : event.actorType === 'system' ? 'tipdesk' : 'a contributor',
        actorHref: event.actorId && event.actorType === 'staff' ? filterHref('actorId', event.actorId) : undefined,
        entityHref: filterHref('entityId', event.entityId),
        entityLabel: ENTITY_WORDS[event.entityType] ?? event.entityType.replace(/_/g, ' '),
        entityPage:
          event.entityType === 'tip' ? `/desk/tips/${event.entityId}` : event.entityType === 'payout_batch' ? `/accounts/batches/${event.entityId}` : undefined,
        // In words up front; the event as stored (codes, ids, JSON) in its detail view.
        change: changeInWords(event.before, event.after, state.staffNames),
        raw: auditChange(event.before, event.after),
      })),
      olderHref: state.nextHref,
      newerHref: state.previousHref,
      deadLetters: state.deadLetters.map((letter) => ({ ...letter, failedAt: new Date(letter.failedAt) })),
    });
    return this.frame.page(caller, { title: 'Audit log', page: 'audit', section: 'audit', wide: true }, body);
  }
}
