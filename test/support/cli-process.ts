import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

// The compiled CLI, exactly as `npm run cli` runs it (`npm test` builds dist/ first).
// TIPDESK_TEST_CLI points at another build of it (one compiled elsewhere, leaving dist/ alone).
export const CLI = process.env.TIPDESK_TEST_CLI || fileURLToPath(new URL('../../dist/cli.js', import.meta.url));

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs `node dist/cli.js ...args` with only `env` (and PATH) in its environment, so nothing of the
 * test runner's own environment leaks in; `stdin` is written and closed when given.
 */
export function runCli(args: string[], env: Record<string, string>, stdin?: string): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: [stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (chunk) => (stdout += chunk));
    child.stderr!.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    if (stdin !== undefined) child.stdin!.end(stdin);
  });
}
