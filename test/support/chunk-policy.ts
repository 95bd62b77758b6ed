import { readFileSync } from 'node:fs';
import { runInNewContext } from 'node:vm';

/** The public form's chunk-size policy for one upload (src/web/assets/upload-chunks.js). */
export interface ChunkPolicy {
  size(): number;
  succeeded(bytes: number, ms: number): number;
  failed(): number;
}

export interface ChunkPolicyOptions {
  start?: number;
  min?: number;
  max?: number;
  targetSeconds?: number;
}

/** The browser script itself, run in a context of its own with a `window`: the very code pages run. */
export function loadChunkPolicies(): { create(options?: ChunkPolicyOptions): ChunkPolicy; DEFAULTS: Required<ChunkPolicyOptions> } {
  const source = readFileSync(new URL('../../src/web/assets/upload-chunks.js', import.meta.url), 'utf8');
  const window: { tipdeskChunkPolicy?: ReturnType<typeof loadChunkPolicies> } = {};
  runInNewContext(source, { window });
  return window.tipdeskChunkPolicy!;
}
