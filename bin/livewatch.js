#!/usr/bin/env node
// `npx livewatch`: runs the CLI bundled ahead of time into build/cli/ (scripts/build-cli.mjs, run by
// `npm install`'s prepare step, `npm start` and `npm test`), so no TypeScript is compiled at run time.
// If the bundle is missing (installed with --ignore-scripts) it is built once, here.
// LIVEWATCH_CLI_FROM_SOURCE=1 runs bin/cli.ts through tsx (a devDependency) while editing the CLI.
import { existsSync } from 'node:fs';

const bundle = new URL('../build/cli/cli.js', import.meta.url);
if (process.env.LIVEWATCH_CLI_FROM_SOURCE === '1') {
  const { register } = await import('tsx/esm/api');
  register();
  await import('./cli.ts');
} else {
  if (!existsSync(bundle)) {
    console.error('livewatch: building the CLI once (node scripts/build-cli.mjs)…');
    await import('../scripts/build-cli.mjs');
  }
  await import(bundle.href);
}
