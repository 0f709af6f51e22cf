/**
 * CLI start-up benchmark: `node bin/run-ts.js bench/cli.ts` (or `npm run bench -- cli`).
 *
 * Wall time of whole `node bin/livewatch.js …` processes, as a user waits for them, beside Node's
 * own start (`node -e ''`): `livewatch --help` (the command table, no command loaded),
 * `livewatch status --help`, and `livewatch status` on an empty SQLite store (settings, zod, the
 * store opened and migrated, one read). Builds the CLI first (scripts/build-cli.mjs), as
 * `npm install` does. Target: ≤ 300 ms median for `--help` and `status` on the development machine.
 * Environment: BENCH_RUNS (21 runs per command).
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);
const RUNS = Number(process.env.BENCH_RUNS ?? 21);
const MAX_MEDIAN_MS = 300;

interface Case {
  readonly label: string;
  readonly args: readonly string[];
  readonly target: boolean;
}

/** One process start to exit; exit code 3 ("needs attention") is an answer, not a failure. */
async function wallMs(args: readonly string[], env: Record<string, string>, cwd: string): Promise<number> {
  const started = performance.now();
  try {
    await execFileAsync(process.execPath, args, { env, cwd, timeout: 30_000 });
  } catch (error) {
    if ((error as { code?: unknown }).code !== 3) throw error;
  }
  return performance.now() - started;
}

async function medianMs(args: readonly string[], env: Record<string, string>, cwd: string): Promise<number> {
  const samples: number[] = [];
  // Sequential: the cores are shared, and parallel processes would measure each other.
  for (let i = 0; i < RUNS; i++) samples.push(await wallMs(args, env, cwd));
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)] ?? Number.NaN;
}

export async function run(): Promise<Array<{ label: string; medianMs: number }>> {
  const root = process.cwd();
  await execFileAsync(process.execPath, ['scripts/build-cli.mjs'], { timeout: 120_000 });
  const dir = await mkdtemp(join(tmpdir(), 'livewatch-bench-cli-'));
  const cli = join(root, 'bin', 'livewatch.js');
  const env = { PATH: process.env.PATH ?? '', LIVEWATCH_STORE_URL: `sqlite:${join(dir, 'state.db')}` };
  const cases: Case[] = [
    { label: "`node -e ''` (baseline: Node's own start)", args: ['-e', ''], target: false },
    { label: '`livewatch --help`', args: [cli, '--help'], target: true },
    { label: '`livewatch status --help`', args: [cli, 'status', '--help'], target: false },
    { label: '`livewatch status` (empty SQLite store)', args: [cli, 'status'], target: true },
  ];
  try {
    // The first status creates and migrates the store; every measured run then reads it.
    await wallMs([cli, 'status'], env, dir);
    const figures: Array<{ label: string; medianMs: number; target: boolean }> = [];
    for (const c of cases) figures.push({ ...c, medianMs: await medianMs(c.args, env, dir) });
    const baseline = figures[0]?.medianMs ?? Number.NaN;
    console.log(`${RUNS} runs each (a fresh process per run, start to exit), median wall time\n`);
    console.log("| command | median | vs node -e '' | target |");
    console.log('| --- | --- | --- | --- |');
    for (const f of figures) {
      const verdict = f.target
        ? f.medianMs <= MAX_MEDIAN_MS
          ? `≤ ${MAX_MEDIAN_MS} ms ✓`
          : `> ${MAX_MEDIAN_MS} ms ✗`
        : '';
      console.log(
        `| ${f.label} | ${f.medianMs.toFixed(0)} ms | ${(f.medianMs / baseline).toFixed(2)}× | ${verdict} |`,
      );
    }
    return figures;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await run();
