// Every repository statement, rendered to src/**/__sql__/*.sql and compared here, so a change to
// a query shows up in review as SQL. After changing a query, `npm run sql:update` rewrites the
// snapshots; commit them with the change.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { AsyncLocalStorage } from 'node:async_hooks';
import { existsSync, readdirSync, readFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger as TypeOrmLogger } from 'typeorm';
import { SQL_MANAGER, sqlRepositories, type SqlRepositoryInfo } from '../../src/database/generate-sql.js';
import { startServiceApp, type ServiceApp } from '../support/service-app.js';
import { tableOwners, tablesUsed } from '../support/table-owners.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const UPDATE = process.env.UPDATE_SQL_SNAPSHOTS === '1';

let s: ServiceApp;
// Statements are recorded only inside a case's own async context: the app's background work (the start-up sweep) is not.
const captured = new AsyncLocalStorage<string[]>();

beforeAll(async () => {
  s = await startServiceApp();
  // TypeORM hands every statement to its logger before sending it: record them while a case runs.
  const logger = s.dataSource.logger;
  const recording: TypeOrmLogger = Object.assign(Object.create(logger) as TypeOrmLogger, {
    logQuery: (query: string, parameters?: unknown[], runner?: unknown) => {
      captured.getStore()?.push(query);
      return logger.logQuery(query, parameters, runner as never);
    },
  });
  Object.defineProperty(s.dataSource, 'logger', { value: recording });
});

afterAll(() => s?.close());

/** Removes the indentation a template literal carried in from the code around it. */
function dedent(sql: string): string {
  const lines = sql
    .replace(/^\s*\n/, '')
    .replace(/\s+$/, '')
    .split('\n')
    .map((line) => line.replace(/\s+$/, ''));
  const indents = lines
    .slice(1)
    .filter((line) => line.trim())
    .map((line) => line.match(/^ */)![0].length);
  const strip = indents.length ? Math.min(...indents) : 0;
  const body = [lines[0].trim(), ...lines.slice(1).map((line) => line.slice(strip))].join('\n');
  return body.endsWith(';') ? body : `${body};`;
}

/** A repository's snapshot text, and every statement it sent. */
async function render(info: SqlRepositoryInfo): Promise<{ text: string; sent: string[] }> {
  const repository = s.get(info.type) as Record<string, (...args: unknown[]) => Promise<unknown>>;
  const parts = [`-- ${info.type.name}: every statement it sends, as rendered by test/service/sql-snapshots.service-spec.ts (npm run sql:update)`];
  const sent: string[] = [];
  for (const { method, cases } of info.methods) {
    for (const sqlCase of cases) {
      const statements: string[] = [];
      let outcome = '';
      try {
        const params = (sqlCase.params ?? []).map((param) => (param === SQL_MANAGER ? s.dataSource.manager : param));
        await captured.run(statements, () => repository[method](...params));
      } catch (error) {
        outcome = `\n-- (on an empty database: ${(error as { code?: string }).code ?? (error as Error).name})`;
      }
      parts.push(`\n-- ${info.type.name}.${sqlCase.name ?? method}${outcome}\n${statements.map(dedent).join('\n\n')}`);
      sent.push(...statements);
    }
  }
  return { text: `${parts.join('\n')}\n`, sent };
}

function repositoryFiles(dir = join(ROOT, 'src')): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return repositoryFiles(path);
    return entry.name.endsWith('.repository.ts') ? [path] : [];
  });
}

describe('SQL snapshots', () => {
  it('every *.repository.ts is a @SqlRepository with a snapshot', () => {
    const registered = new Set(
      sqlRepositories().map((r) =>
        join(
          dirname(dirname(r.snapshotPath)),
          `${r.snapshotPath
            .split('/')
            .pop()!
            .replace(/\.sql$/, '')}.ts`,
        ),
      ),
    );
    const missing = repositoryFiles()
      .filter((file) => !registered.has(file))
      .map((file) => relative(ROOT, file));
    expect(missing).toEqual([]);
    expect(sqlRepositories().length).toBeGreaterThan(0);
  });

  it('every repository statement matches its committed snapshot', async () => {
    const stale: string[] = [];
    for (const info of sqlRepositories()) {
      const { text } = await render(info);
      const path = info.snapshotPath;
      if (UPDATE) {
        mkdirSync(dirname(path), { recursive: true });
        writeFileSync(path, text);
      } else if (!existsSync(path) || readFileSync(path, 'utf8') !== text) {
        stale.push(`${relative(ROOT, path)} differs from what ${info.type.name} sends (run \`npm run sql:update\` and review the diff)`);
      }
    }
    expect(stale).toEqual([]);
  });

  it("each repository touches only its module's tables, or declares another module's with the reason", async () => {
    const owners = tableOwners(join(ROOT, 'src'));
    const findings: string[] = [];
    for (const info of sqlRepositories()) {
      const module = relative(join(ROOT, 'src'), info.snapshotPath).split('/')[0];
      const { sent } = await render(info);
      const used: { reads: Set<string>; writes: Set<string> } = { reads: new Set(), writes: new Set() };
      for (const statement of sent) {
        const use = tablesUsed(statement, owners);
        use.reads.forEach((table) => used.reads.add(table));
        use.writes.forEach((table) => used.writes.add(table));
      }
      for (const table of used.writes) used.reads.delete(table);
      for (const kind of ['reads', 'writes'] as const) {
        const declared = info.foreign[kind] ?? {};
        const foreign = [...used[kind]].filter((table) => owners.get(table) !== module);
        for (const table of foreign) {
          if (!declared[table]) findings.push(`${info.type.name} ${kind} ${table} (owned by ${owners.get(table)}/) without declaring it`);
        }
        for (const table of Object.keys(declared)) {
          if (!owners.has(table)) findings.push(`${info.type.name} declares ${kind} of ${table}, which no entity declares`);
          else if (owners.get(table) === module) findings.push(`${info.type.name} declares ${kind} of its own module's table ${table}`);
          else if (!used[kind].has(table)) findings.push(`${info.type.name} declares ${kind} of ${table}, which none of its statements does`);
        }
      }
    }
    expect(findings).toEqual([]);
  });

  it('the table check sees reads and writes, and ignores CTEs, aliases and strings', () => {
    const known = new Map([
      ['tips', 'tips'],
      ['media', 'media'],
      ['notes', 'desk'],
    ]);
    const use = tablesUsed(
      `WITH page AS (SELECT * FROM tips t WHERE t.story <> 'FROM notes') INSERT INTO notes (body) SELECT p.id FROM page p JOIN media m ON m.tip_id = p.id`,
      known,
    );
    expect([...use.reads].sort()).toEqual(['media', 'tips']);
    expect([...use.writes]).toEqual(['notes']);
    expect([...tablesUsed(`UPDATE tips SET status = 'spam' FROM media WHERE media.tip_id = tips.id`, known).writes]).toEqual(['tips']);
    expect([...tablesUsed(`DELETE FROM media WHERE id = $1`, known).writes]).toEqual(['media']);
  });
});
