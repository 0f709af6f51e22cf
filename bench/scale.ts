/**
 * Scale benchmark: `node bin/run-ts.js bench/scale.ts` (or `npm run bench -- scale`).
 *
 * 100,000 relay tasks in ONE live center, swept the way the poller does it in production: the
 * deployed bundle (dist/poller.js, built first) runs under plain node as one warm FC instance
 * (bench/support/poller-instance.mjs), its handler called tick after tick with a timer event, each
 * tick of LIVEWATCH_SWEEP_BUDGET_MS (40 s) continuing from the cursor, until the pass over the region
 * is concluded (disappearances included), first on a fresh store (every snapshot written) and then
 * steady. Reports per-tick time, each pass's total sweeping time beside its bound (1,000 pages ÷
 * 10 calls/s = 100 s), and that process's peak RSS and heap against FC's smallest memory size, 128 MB.
 * Each store (SQLite, a real redis-server) gets a fresh instance process, the emulator a process of its
 * own, and the alert function's invocations go to a loopback sink that accepts them (202). Where the
 * machine allows (root, a writable cgroup filesystem) the instance runs inside a 128 MB memory cgroup,
 * as in FC: Node then sizes its heap for 128 MB, and going beyond it is an OOM kill, not a figure.
 * Environment: BENCH_SCALE_TASKS (100000), BENCH_SCALE_BUDGET_MS (40000), BENCH_SCALE_MEMORY_MB (128;
 * 0 runs unconstrained), BENCH_QPS (10), BENCH_LATENCY_MS (50-100), BENCH_STORES.
 */
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import { recordFigure } from './support/bench-results.js';
import { type BenchStoreKind, benchStoreKinds, openBenchStore } from './support/bench-stores.js';
import { type MemoryReadings, openMemoryCgroup } from './support/memory-cgroup.js';
import { emulatorProcessEnv, startEmulatorProcess, throttledSoFar } from './sweep.js';

const TASKS = Number(process.env.BENCH_SCALE_TASKS ?? 100_000);
const BUDGET_MS = Number(process.env.BENCH_SCALE_BUDGET_MS ?? 40_000);
const QPS = Number(process.env.BENCH_QPS ?? 10);
const PAGE_SIZE = 100;
const FUNCTION_MEMORY_MB = 128;
const MARKER = 'SCALE_RESULT ';
/** The instance runs in a memory cgroup of FC's smallest size when this machine allows one (0: never). */
const MEMORY_MB = Number(process.env.BENCH_SCALE_MEMORY_MB ?? FUNCTION_MEMORY_MB);

/** One pass as the instance counted it, from the handler's summaries. */
interface PassFigures {
  readonly ticks: number;
  readonly tickSeconds: readonly number[];
  readonly totalSeconds: number;
  readonly throttled: number;
  readonly apiCalls: number;
  readonly changes: number;
}

interface InstanceResult {
  readonly first: PassFigures;
  readonly steady: PassFigures;
  readonly peakRssMb: number;
  readonly baselineRssMb: number;
  readonly peakHeapMb: number;
  /** process.memoryUsage() in MB when RSS peaked (rss, heapTotal, heapUsed, external, arrayBuffers). */
  readonly atPeakMb: Readonly<Record<string, number>>;
}

interface ScaleResult extends InstanceResult {
  readonly emulatorThrottled: number;
  /** The cgroup's peak charge and OOM kills, or why the run was unconstrained. */
  readonly memory: MemoryReadings;
}

/** Builds the function bundles, as `s deploy` uploads them. */
async function buildBundles(): Promise<void> {
  const child = spawn(process.execPath, [resolve('scripts/build.mjs')], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const code = await new Promise<number | null>((done) => child.on('exit', done));
  if (code !== 0) throw new Error(`scale bench: scripts/build.mjs exited with ${code}`);
}

/** Stands in for FC's InvokeFunction: accepts every asynchronous invocation of the alert function. */
async function startInvokeSink(): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer((request, response) => {
    request.resume();
    request.on('end', () => response.writeHead(202, { 'content-type': 'application/json' }).end('{}'));
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise((done) => server.close(() => done())) };
}

/** One fresh instance process per store, so each RSS figure is that instance's alone. */
async function runInstance(kind: BenchStoreKind): Promise<ScaleResult> {
  const location = await openBenchStore(kind);
  const emulator = await startEmulatorProcess(TASKS);
  const sink = await startInvokeSink();
  const cgroup = openMemoryCgroup(MEMORY_MB);
  try {
    const { file, args } = cgroup.command(process.execPath, [
      resolve('bench/support/poller-instance.mjs'),
      resolve('dist/poller.js'),
    ]);
    const child = spawn(file, args, {
      env: {
        PATH: process.env.PATH ?? '',
        ...location.env,
        ...emulatorProcessEnv(emulator),
        LIVEWATCH_API_QPS: String(QPS),
        LIVEWATCH_API_TIMEOUT_MS: '10000',
        LIVEWATCH_SWEEP_BUDGET_MS: String(BUDGET_MS),
        LIVEWATCH_FC_ENDPOINT: sink.url,
        LIVEWATCH_LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let result: InstanceResult | undefined;
    for await (const line of createInterface({ input: child.stdout })) {
      if (line.startsWith(MARKER)) result = JSON.parse(line.slice(MARKER.length)) as InstanceResult;
      else console.log(line);
    }
    const memory = cgroup.readings();
    if (result === undefined) {
      throw new Error(`scale bench (${kind}): the instance reported nothing (${JSON.stringify(memory)})`);
    }
    return { ...result, emulatorThrottled: await throttledSoFar(emulator), memory };
  } finally {
    cgroup.remove();
    await sink.close();
    await emulator.stop();
    await location.dispose();
  }
}

export async function run(): Promise<ScaleResult[]> {
  const results: ScaleResult[] = [];
  const lowerBound = Math.ceil(TASKS / PAGE_SIZE) / QPS;
  await buildBundles();
  for (const kind of benchStoreKinds()) {
    const result = await runInstance(kind);
    results.push(result);
    console.log(
      `${TASKS} relay tasks in one region, ticks of ${BUDGET_MS / 1000} s budget (${kind}); the emulator throttled ${result.emulatorThrottled} calls in all`,
    );
    const row = (figures: PassFigures) => ({
      ticks: figures.ticks,
      'per tick (s)': figures.tickSeconds.map((s) => s.toFixed(1)).join(' / '),
      'pass total': `${figures.totalSeconds.toFixed(1)} s`,
      bound: `${lowerBound} s`,
      ratio: `${(figures.totalSeconds / lowerBound).toFixed(2)}×`,
      throttled: figures.throttled,
      'API calls': figures.apiCalls,
      changes: figures.changes,
    });
    console.table({ 'first pass (fresh store)': row(result.first), 'steady pass': row(result.steady) });
    const at = (name: string): string => (result.atPeakMb[name] ?? 0).toFixed(1);
    const breakdown = `V8 heap ${at('heapTotal')} MB reserved (${at('heapUsed')} MB used), external ${at('external')} MB`;
    const limit =
      'unconstrained' in result.memory
        ? `no memory limit (${result.memory.unconstrained})`
        : `inside a ${MEMORY_MB} MB memory cgroup, ${result.memory.oomKills} OOM kills (its own charge peaked at ${result.memory.peakMb.toFixed(1)} MB: the node binary's shared pages are charged where first read)`;
    console.log(
      `peak RSS ${result.peakRssMb.toFixed(1)} MB (${result.baselineRssMb.toFixed(1)} MB after importing the bundle; at the peak: ${breakdown}), peak heap ${result.peakHeapMb.toFixed(1)} MB (FC's smallest: ${FUNCTION_MEMORY_MB} MB); ${limit}`,
    );
    for (const [name, figures] of [
      ['first', result.first],
      ['steady', result.steady],
    ] as const) {
      recordFigure({
        bench: 'scale',
        figure: `${TASKS}-task region, ${name} pass over budgeted ticks`,
        store: kind,
        value: figures.totalSeconds,
        unit: 's',
        bound: lowerBound,
        ratio: figures.totalSeconds / lowerBound,
        goal: '≤ 1.10×, 0 throttled',
        met: figures.totalSeconds / lowerBound <= 1.1 && figures.throttled === 0,
        note: `${figures.ticks} ticks (${figures.tickSeconds.map((s) => s.toFixed(1)).join(', ')} s), ${figures.throttled} throttled`,
      });
    }
    recordFigure({
      bench: 'scale',
      figure: `sweep peak RSS at ${TASKS} tasks in one region`,
      store: kind,
      value: result.peakRssMb,
      unit: 'MB',
      bound: FUNCTION_MEMORY_MB,
      ratio: result.peakRssMb / FUNCTION_MEMORY_MB,
      goal: '≤ 128 MB',
      met: result.peakRssMb <= FUNCTION_MEMORY_MB,
      note: `${result.baselineRssMb.toFixed(1)} MB after importing dist/poller.js, +${(result.peakRssMb - result.baselineRssMb).toFixed(1)} MB sweeping; at the peak V8's heap held ${at('heapTotal')} MB (${at('heapUsed')} used); ${limit}`,
    });
    recordFigure({
      bench: 'scale',
      figure: `sweep peak heap at ${TASKS} tasks in one region`,
      store: kind,
      value: result.peakHeapMb,
      unit: 'MB',
      bound: FUNCTION_MEMORY_MB,
      ratio: result.peakHeapMb / FUNCTION_MEMORY_MB,
    });
  }
  return results;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await run();
