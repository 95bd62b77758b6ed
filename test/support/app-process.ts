import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { freePort } from './net.js';

// The compiled app, exactly as `npm start` runs it (`npm test` builds dist/ first).
// TIPDESK_TEST_MAIN points at another build of it (one compiled elsewhere, leaving dist/ alone).
const MAIN = process.env.TIPDESK_TEST_MAIN || fileURLToPath(new URL('../../dist/main.js', import.meta.url));

export interface AppProcess {
  url: string;
  port: number;
  child: ChildProcess;
  /** Everything the process logged so far (pino JSON lines on stdout, anything else on stderr). */
  output(): string;
  /** Resolves with the exit code (or the signal's name) when the process ends. */
  exited: Promise<number | string>;
  kill(signal: NodeJS.Signals): void;
}

/**
 * Starts `node dist/main.js` as its own process with `env` (DATABASE_URL and DATA_DIR at least),
 * on `port` or a free one, and waits until it listens.
 */
export async function startAppProcess(env: Record<string, string>, port?: number): Promise<AppProcess> {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} does not exist: run \`nest build\` first (npm test does), or set TIPDESK_TEST_MAIN`);
  const listenPort = port ?? (await freePort());
  const child = spawn(process.execPath, [MAIN], {
    env: {
      PATH: process.env.PATH ?? '',
      LOG_LEVEL: 'info',
      HOST: '127.0.0.1',
      STORAGE_MIN_FREE_BYTES: '0',
      POW_AFTER_TIPS_PER_HOUR: '100000',
      ...env,
      PORT: String(listenPort),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | string>((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the app did not start within 60 s:\n${output}`)), 60_000);
    const check = () => {
      if (output.includes('tipdesk is listening')) {
        clearTimeout(timer);
        child.stdout!.off('data', check);
        resolve();
      }
    };
    child.stdout!.on('data', check);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`the app exited (${code}) before it listened:\n${output}`));
    });
  });
  return {
    url: `http://127.0.0.1:${listenPort}`,
    port: listenPort,
    child,
    output: () => output,
    exited,
    kill: (signal) => void child.kill(signal),
  };
}
