// Bundles the CLI ahead of time into build/cli/ (ESM, one chunk per command, loaded on demand), so
// `npx livewatch` compiles no TypeScript at run time and `livewatch --help` loads no command.
// Runs at `npm install`/`npm ci` (prepare), before `npm start`, and in vitest's global setup, so
// the CLI a test spawns is the source under test. Usage: node scripts/build-cli.mjs
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outdir = join(root, 'build', 'cli');
const unbundled = './scripts/unbundled-sdk-part.cjs';

// Not emptied first: a CLI started from the previous build (a test running beside this one) may
// still import its chunks. Chunk names carry a content hash, so old and new never collide.
await mkdir(outdir, { recursive: true });
const result = await build({
  absWorkingDir: root,
  entryPoints: { cli: 'bin/cli.ts' },
  outdir,
  bundle: true,
  splitting: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  // Readable stacks for bug reports: node --enable-source-maps bin/livewatch.js …
  sourcemap: 'linked',
  // better-sqlite3 is native; proxy-agent is an optional dependency of @alicloud/fc2 it never loads.
  external: ['better-sqlite3', 'proxy-agent'],
  // @alicloud/fc2 requires these at load time but livewatch never calls what needs them (as build.mjs).
  alias: { 'ali-oss': unbundled, axios: unbundled, ws: unbundled },
  // The Alibaba SDKs are CommonJS and call require() for Node built-ins; give the ESM chunks one.
  banner: {
    js: "import { createRequire as __lwCreateRequire } from 'node:module'; const require = __lwCreateRequire(import.meta.url);",
  },
  metafile: true,
  logLevel: 'warning',
});
await writeFile(join(outdir, 'package.json'), `${JSON.stringify({ type: 'module' }, null, 2)}\n`);
// Chunks of builds before the last one: nothing loads them any more.
const current = new Set([
  ...Object.keys(result.metafile.outputs).map((path) => basename(path)),
  'package.json',
]);
for (const name of await readdir(outdir)) {
  if (!current.has(name)) await rm(join(outdir, name), { force: true });
}
