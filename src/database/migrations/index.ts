import { Initial1795597798845 } from './1795597798845-Initial.js';
import { AuditEventsAppendOnly1795597800000 } from './1795597800000-AuditEventsAppendOnly.js';

// Every migration, in order. Add each generated one here (see README "Migrations"): TypeORM's
// glob loading breaks under Jest's ESM mode.
export const MIGRATIONS = [Initial1795597798845, AuditEventsAppendOnly1795597800000];
