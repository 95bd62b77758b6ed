import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

/**
 * Which module owns each table: the top folder under src/ of the `*.entities.ts` that declares
 * it (`@Entity('tips')` in src/tips/tips.entities.ts → tips).
 */
export function tableOwners(srcDir: string): Map<string, string> {
  const owners = new Map<string, string>();
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.entities.ts')) {
        const module = relative(srcDir, path).split(sep)[0];
        for (const match of readFileSync(path, 'utf8').matchAll(/@(?:Entity|ViewEntity)\(\s*(?:'(\w+)'|\{\s*name:\s*'(\w+)')/g)) {
          owners.set(match[1] ?? match[2], module);
        }
      }
    }
  };
  walk(srcDir);
  return owners;
}

export interface TableUse {
  reads: Set<string>;
  writes: Set<string>;
}

/**
 * The known tables a statement reads (FROM, JOIN) and writes (INSERT INTO, UPDATE, DELETE FROM).
 * Names that are not tables (CTEs, aliases, functions) are ignored by looking them up in `known`.
 */
export function tablesUsed(sql: string, known: ReadonlyMap<string, string>): TableUse {
  const use: TableUse = { reads: new Set(), writes: new Set() };
  const text = sql.replace(/--[^\n]*/g, '').replace(/'(?:[^']|'')*'/g, "''");
  for (const [, keyword, table] of text.matchAll(/\b(DELETE\s+FROM|INSERT\s+INTO|UPDATE|FROM|JOIN)\s+(?:ONLY\s+)?"?([a-z_][a-z0-9_]*)"?/gi)) {
    if (!known.has(table)) continue;
    (/^(DELETE|INSERT|UPDATE)/i.test(keyword) ? use.writes : use.reads).add(table);
  }
  for (const table of use.writes) use.reads.delete(table);
  return use;
}
