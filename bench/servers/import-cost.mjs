// One package's import cost for bench/memory.mjs: RSS after importing IMPORT_SPECIFIER (comma-
// separated), minus RSS of the same process before it, after reflect-metadata and BASE_IMPORTS
// (the framework, which every Nest app loads anyway: the figure is what the package adds). Prints JSON.
import 'reflect-metadata';
import { setTimeout as sleep } from 'node:timers/promises';

const rss = () => process.memoryUsage().rss;
for (const specifier of (process.env.BASE_IMPORTS ?? '').split(',').filter(Boolean)) await import(specifier);
await sleep(200);
const before = rss();
for (const specifier of process.env.IMPORT_SPECIFIER.split(',')) await import(specifier);
await sleep(300);
console.log(JSON.stringify({ specifier: process.env.IMPORT_SPECIFIER, bytes: rss() - before }));
