import 'reflect-metadata';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * SQL snapshots, in the spirit of immich's @GenerateSql: every repository statement is rendered
 * to `__sql__/<repository file>.sql` beside the repository, and a test (test/service/
 * sql-snapshots.service-spec.ts) compares them, so a change to a query shows up in review as a
 * diff of SQL rather than of string-building code.
 *
 * - `@SqlRepository(import.meta.url)` on the class says where its snapshot lives.
 * - `@GenerateSql({ name?, params })` on a method gives the arguments to call it with (one
 *   decorator per shape of a dynamic query); the test runs it against a real, empty database
 *   and records the statements it sends. `@GenerateSql()` with no cases calls it with none.
 * - A repository touches its own module's tables. Any table of another module it reads or writes
 *   is declared with the reason (`@SqlRepository(import.meta.url, { reads: { tips: 'why' } })`);
 *   the same test fails on an undeclared one and on a declaration no statement needs, so every
 *   crossing of a module's tables is in one place and reviewed (src/database/README.md).
 */
/** In a case's params, stands for the data source's own EntityManager (for methods that take the caller's transaction). */
export const SQL_MANAGER = Symbol.for('tipdesk:sql-manager');
/** Ids that fit a uuid column, for cases' params. */
export const SQL_ID = '00000000-0000-4000-8000-000000000001';
export const SQL_ID_2 = '00000000-0000-4000-8000-000000000002';

export interface SqlCase {
  /** Shown above the statements; defaults to the method's name. */
  name?: string;
  params?: unknown[];
}

interface SqlMethod {
  method: string;
  cases: SqlCase[];
}

/** Another module's tables a repository's statements touch, each with the reason: table name → why. */
export interface ForeignTables {
  reads?: Readonly<Record<string, string>>;
  writes?: Readonly<Record<string, string>>;
}

export interface SqlRepositoryInfo {
  type: abstract new (...args: never[]) => object;
  snapshotPath: string;
  methods: SqlMethod[];
  foreign: ForeignTables;
}

const METHODS = Symbol('tipdesk:generate-sql');
const registry = new Map<abstract new (...args: never[]) => object, SqlRepositoryInfo>();

export function GenerateSql(...cases: SqlCase[]): MethodDecorator {
  return (target, propertyKey) => {
    const methods: SqlMethod[] = Reflect.getOwnMetadata(METHODS, target) ?? [];
    methods.push({ method: String(propertyKey), cases: cases.length ? cases : [{}] });
    Reflect.defineMetadata(METHODS, methods, target);
  };
}

export function SqlRepository(moduleUrl: string, foreign: ForeignTables = {}): ClassDecorator {
  return (type) => {
    const file = fileURLToPath(moduleUrl);
    const constructor = type as unknown as abstract new (...args: never[]) => object;
    registry.set(constructor, {
      type: constructor,
      snapshotPath: join(dirname(file), '__sql__', `${basename(file).replace(/\.[cm]?[jt]s$/, '')}.sql`),
      methods: (Reflect.getOwnMetadata(METHODS, type.prototype) as SqlMethod[] | undefined) ?? [],
      foreign,
    });
  };
}

/** Every repository loaded so far (importing the app module loads them all). */
export function sqlRepositories(): SqlRepositoryInfo[] {
  return [...registry.values()].sort((a, b) => a.snapshotPath.localeCompare(b.snapshotPath));
}
