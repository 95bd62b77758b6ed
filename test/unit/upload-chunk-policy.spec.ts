import { describe, expect, it } from '@jest/globals';
import { loadChunkPolicies } from '../support/chunk-policy.js';

const MiB = 1024 * 1024;
const policies = loadChunkPolicies();

describe("the public form's chunk size (upload-chunks.js)", () => {
  it('starts at 5 MiB, and never goes under 5 MiB or over 50 MiB', () => {
    expect(policies.DEFAULTS).toEqual({ start: 5 * MiB, min: 5 * MiB, max: 50 * MiB, targetSeconds: 10 });
    expect(policies.create().size()).toBe(5 * MiB);
  });

  it('a fast line (a chunk in a fraction of a second): doubles each chunk up to 50 MiB, no faster', () => {
    const policy = policies.create();
    const sizes = [];
    for (let i = 0; i < 6; i++) sizes.push(policy.succeeded(policy.size(), 100));
    expect(sizes).toEqual([10, 20, 40, 50, 50, 50].map((m) => m * MiB));
  });

  it('a line of 1 MB/s: the chunk settles at about 10 seconds of it', () => {
    const policy = policies.create();
    for (let i = 0; i < 5; i++) policy.succeeded(policy.size(), (policy.size() / 1e6) * 1000);
    expect(policy.size()).toBe(10_000_000);
  });

  it('a slow line (100 KB/s) stays at 5 MiB', () => {
    const policy = policies.create();
    expect(policy.succeeded(5 * MiB, 52_000)).toBe(5 * MiB);
  });

  it('a failure halves the chunk, never under 5 MiB; a good chunk after it grows it again', () => {
    const policy = policies.create();
    for (let i = 0; i < 4; i++) policy.succeeded(policy.size(), 100);
    expect(policy.failed()).toBe(25 * MiB);
    expect(policy.failed()).toBe(12.5 * MiB);
    expect(policy.failed()).toBe(6.25 * MiB);
    expect(policy.failed()).toBe(5 * MiB);
    expect(policy.succeeded(5 * MiB, 100)).toBe(10 * MiB);
  });

  it('nonsense measurements (zero bytes, zero or negative time) never break it', () => {
    const policy = policies.create();
    expect(policy.succeeded(0, 100)).toBe(5 * MiB);
    expect(policy.succeeded(5 * MiB, 0)).toBe(10 * MiB);
    expect(policy.succeeded(5 * MiB, -5)).toBe(20 * MiB);
  });

  it('a pinned size (the browser tests) stays put', () => {
    const policy = policies.create({ start: 64 * 1024, min: 64 * 1024, max: 64 * 1024 });
    expect([policy.succeeded(64 * 1024, 1), policy.failed()]).toEqual([64 * 1024, 64 * 1024]);
  });
});
