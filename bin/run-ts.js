#!/usr/bin/env node
// Runs a TypeScript entry point (benchmarks, scripts) through tsx: `node bin/run-ts.js bench/run.ts`.
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { register } from 'tsx/esm/api';

const entry = process.argv[2];
if (!entry) {
  console.error('usage: node bin/run-ts.js <file.ts> [args…]');
  process.exit(2);
}
// Make the entry look like the main module (process.argv[1]), so a file can tell it was run directly:
// `import.meta.url === pathToFileURL(process.argv[1]).href`.
process.argv.splice(1, 2, resolve(entry));
register();
await import(pathToFileURL(resolve(entry)).href);
