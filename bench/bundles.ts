/**
 * Bundle benchmark: `node bin/run-ts.js bench/bundles.ts` (or `npm run bench -- bundles`).
 *
 * Builds dist/ as `s deploy` does (`scripts/build.mjs`), copies it where no node_modules can be
 * found (as in FC, where only the code package exists), and reports for each function bundle its
 * size and its median cold import — a fresh `node` process importing the bundle, timed inside the
 * process around the `import()` — beside the baseline: a cold import of `@alicloud/openapi-client`
 * alone, the SDK every bundle needs anyway. Targets: ≤ 1.5 MB and ≤ 150 ms median on the development
 * machine. Environment: BENCH_IMPORTS (15 cold imports per module).
 */
import { execFile } from 'node:child_process';
import { cp, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);
const IMPORTS = Number(process.env.BENCH_IMPORTS ?? 15);
const FUNCTIONS = ['callback', 'poller', 'alert'] as const;
const MAX_BYTES = 1.5 * 1024 * 1024;
const MAX_MEDIAN_MS = 150;

interface BundleFigures {
  readonly name: string;
  readonly bytes: number;
  readonly medianMs: number;
}

/** One cold import in a fresh process; the figure excludes Node's own start-up. */
async function coldImportMs(specifier: string, cwd: string): Promise<number> {
  const script = `const t = performance.now(); await import(${JSON.stringify(specifier)}); process.stdout.write(String(performance.now() - t));`;
  const { stdout } = await execFileAsync(process.execPath, ['--input-type=module', '-e', script], {
    cwd,
    env: { PATH: process.env.PATH ?? '' },
    timeout: 30_000,
  });
  return Number(stdout);
}

async function medianColdImportMs(specifier: string, cwd: string): Promise<number> {
  const samples: number[] = [];
  // Sequential: the two cores are shared, and parallel processes would measure each other.
  for (let i = 0; i < IMPORTS; i++) samples.push(await coldImportMs(specifier, cwd));
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)] ?? Number.NaN;
}

export async function run(): Promise<{ baselineMs: number; bundles: BundleFigures[] }> {
  await execFileAsync(process.execPath, ['scripts/build.mjs'], { timeout: 120_000 });
  const dir = await mkdtemp(join(tmpdir(), 'livewatch-bench-bundles-'));
  try {
    await cp('dist', dir, { recursive: true });
    const baselineMs = await medianColdImportMs(
      pathToFileURL(resolve('node_modules/@alicloud/openapi-client/dist/client.js')).href,
      process.cwd(),
    );
    const bundles: BundleFigures[] = [];
    for (const name of FUNCTIONS) {
      const file = join(dir, `${name}.js`);
      bundles.push({
        name,
        bytes: (await stat(file)).size,
        medianMs: await medianColdImportMs(pathToFileURL(file).href, dir),
      });
    }
    console.log(`${IMPORTS} cold imports each (fresh node process per import), median; no source maps\n`);
    console.log('| module | size | vs 1.5 MB | median cold import | vs openapi-client alone |');
    console.log('| --- | --- | --- | --- | --- |');
    console.log(
      `| \`@alicloud/openapi-client\` alone (baseline) | — | — | ${baselineMs.toFixed(0)} ms | 1.00× |`,
    );
    for (const bundle of bundles) {
      console.log(
        `| \`dist/${bundle.name}.js\` | ${(bundle.bytes / 1024 / 1024).toFixed(2)} MB | ${(bundle.bytes / MAX_BYTES).toFixed(2)}× | ${bundle.medianMs.toFixed(0)} ms | ${(bundle.medianMs / baselineMs).toFixed(2)}× |`,
      );
    }
    const over = bundles.filter((b) => b.bytes > MAX_BYTES || b.medianMs > MAX_MEDIAN_MS);
    if (over.length > 0) {
      console.log(`\nover target (≤ 1.5 MB, ≤ ${MAX_MEDIAN_MS} ms): ${over.map((b) => b.name).join(', ')}`);
    }
    return { baselineMs, bundles };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await run();
}
