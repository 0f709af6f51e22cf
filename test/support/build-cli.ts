import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';

/**
 * vitest global setup: bundles the CLI (scripts/build-cli.mjs) once per run, so every test that
 * spawns `bin/livewatch.js` runs the sources under test, never an older build.
 */
export default function buildCli(): void {
  const root = resolve(import.meta.dirname, '..', '..');
  execFileSync(process.execPath, [resolve(root, 'scripts', 'build-cli.mjs')], {
    cwd: root,
    stdio: 'inherit',
  });
}
