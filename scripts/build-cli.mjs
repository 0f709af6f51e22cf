// Bundles the CLI ahead of time into build/cli/ (ESM, one chunk per command, loaded on demand), so
// `npx livewatch` compiles no TypeScript at run time. Runs at `npm install` (prepare), before
// `npm start` and `npm test`, and in `npm run build`. Usage: node scripts/build-cli.mjs
import { rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outdir = join(root, 'build', 'cli');

await rm(outdir, { recursive: true, force: true });
await build({
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
  // The Alibaba SDKs are CommonJS and call require() for Node built-ins; give the ESM chunks one.
  banner: {
    js: "import { createRequire as __lwCreateRequire } from 'node:module'; const require = __lwCreateRequire(import.meta.url);",
  },
  logLevel: 'warning',
});
await writeFile(join(outdir, 'package.json'), `${JSON.stringify({ type: 'module' }, null, 2)}\n`);
