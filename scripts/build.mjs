// Bundles each function into dist/<name>.js (ESM) for Function Compute: `npm run build`.
// s.yaml deploys ./dist with handlers `callback.handler`, `poller.handler`, `alert.handler`.
// `npm run build -- --sourcemap` adds dist/<name>.js.map (not uploaded unless you ask for it: maps
// add ~17 MB to the code package and ~40 ms to a cold start with --enable-source-maps).
import { copyFile, mkdir, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, normalize } from 'node:path';
import { build } from 'esbuild';

const FUNCTIONS = ['callback', 'poller', 'alert'];
const sourcemap = process.argv.includes('--sourcemap');
const unbundled = './scripts/unbundled-sdk-part.cjs';

await rm('dist', { recursive: true, force: true });
await mkdir('dist', { recursive: true });
await build({
  entryPoints: Object.fromEntries(FUNCTIONS.map((name) => [name, `functions/${name}/index.ts`])),
  outdir: 'dist',
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  sourcemap,
  minify: true,
  legalComments: 'none',
  // better-sqlite3 is native and only used by the embedded store; in FC the store is Redis/Tair.
  // proxy-agent is an optional dependency of @alicloud/fc2 that it never loads here.
  external: ['better-sqlite3', 'proxy-agent'],
  // @alicloud/fc2 requires these at load time but livewatch never calls what needs them.
  alias: { 'ali-oss': unbundled, axios: unbundled, ws: unbundled },
  // The Alibaba SDKs are CommonJS and call require() for Node built-ins; give the ESM bundle one.
  banner: {
    js: "import { createRequire as __lwCreateRequire } from 'node:module'; const require = __lwCreateRequire(import.meta.url);",
  },
  logLevel: 'warning',
});
// FC's Node runtime treats .js as CommonJS unless the nearest package.json says otherwise.
await writeFile('dist/package.json', `${JSON.stringify({ type: 'module' }, null, 2)}\n`);
await copyRoutingFile(process.env.LIVEWATCH_ROUTES_FILE);
for (const name of FUNCTIONS) {
  const { size } = await stat(`dist/${name}.js`);
  console.log(`dist/${name}.js  ${(size / 1024).toFixed(0)} KiB`);
}

/**
 * The routing file goes into the code package at the same relative path, where the functions find it
 * (lib/notify/routing-file.ts looks beside the bundle). s.yaml passes LIVEWATCH_ROUTES_FILE unchanged,
 * so only a path relative to the project can mean the same file on this machine and in FC.
 */
async function copyRoutingFile(path) {
  if (!path) return;
  const relative = normalize(path);
  if (isAbsolute(relative) || relative.startsWith('..')) {
    console.error(
      `LIVEWATCH_ROUTES_FILE=${path}: must be a path inside this project (e.g. config/routes.yaml), so that it means the same file in the code package`,
    );
    process.exit(1);
  }
  await mkdir(join('dist', dirname(relative)), { recursive: true });
  await copyFile(relative, join('dist', relative));
  console.log(`dist/${relative}  (LIVEWATCH_ROUTES_FILE)`);
}
