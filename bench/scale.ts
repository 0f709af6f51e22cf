/**
 * Scale benchmark: `node bin/run-ts.js bench/scale.ts` (or `npm run bench -- scale`).
 *
 * 100,000 relay tasks in ONE live center, swept the way the poller does it in production: ticks of
 * LIVEWATCH_SWEEP_BUDGET_MS (40 s) each continuing from the cursor, until the pass over the region
 * is concluded (disappearances included), first on a fresh store (every snapshot written) and then
 * steady (nothing changed). Reports per-tick time, each pass's total sweeping time beside its bound
 * (1,000 pages ÷ 10 calls/s = 100 s), and the poller process's peak RSS and heap against FC's smallest
 * memory size, 128 MB. Each store (SQLite, a real redis-server) runs in a fresh child process so its
 * RSS is the sweep's alone; the emulator runs in a process of its own.
 * Environment: BENCH_SCALE_TASKS (100000), BENCH_SCALE_BUDGET_MS (40000), BENCH_QPS (10),
 * BENCH_LATENCY_MS (50-100), BENCH_STORES.
 */
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import { createAliyunClient } from '../lib/aliyun/create-aliyun-client.js';
import { createStoreRateLimiter } from '../lib/aliyun/create-store-rate-limiter.js';
import { rateLimitOf } from '../lib/aliyun/rate-limiter.js';
import { systemClock } from '../lib/clock.js';
import { loadConfig } from '../lib/config/config.js';
import { silentLogger } from '../lib/log.js';
import { runSweep } from '../lib/monitor/run-sweep.js';
import { createStore } from '../lib/store/create-store.js';
import { recordFigure } from './support/bench-results.js';
import { type BenchStoreKind, benchStoreKinds, openBenchStore } from './support/bench-stores.js';
import { emulatorProcessEnv, startEmulatorProcess, throttledSoFar } from './sweep.js';

const TASKS = Number(process.env.BENCH_SCALE_TASKS ?? 100_000);
const QPS = Number(process.env.BENCH_QPS ?? 10);
const PAGE_SIZE = 100;
const FUNCTION_MEMORY_MB = 128;
const MB = 1024 * 1024;
const MARKER = 'SCALE_RESULT ';

interface PassFigures {
  readonly ticks: number;
  readonly tickSeconds: readonly number[];
  readonly totalSeconds: number;
  readonly throttled: number;
  readonly snapshotWrites: number;
  readonly listed: number;
}

interface ScaleResult {
  readonly tasks: number;
  readonly budgetMs: number;
  readonly first: PassFigures;
  readonly steady: PassFigures;
  readonly peakRssMb: number;
  readonly baselineRssMb: number;
  readonly peakHeapMb: number;
}

/** In the child: sweeps tick after tick until the region's pass concludes, twice. */
async function sweepPasses(): Promise<ScaleResult> {
  const emulator = await startEmulatorProcess(TASKS);
  const config = loadConfig({
    LIVEWATCH_STORE_URL: process.env.LIVEWATCH_STORE_URL ?? '',
    LIVEWATCH_REDIS_PREFIX: process.env.LIVEWATCH_REDIS_PREFIX ?? 'livewatch:',
    ...emulatorProcessEnv(emulator),
    LIVEWATCH_API_QPS: String(QPS),
    // The production default (40 s); smaller only to try the bench out quickly.
    LIVEWATCH_SWEEP_BUDGET_MS: process.env.BENCH_SCALE_BUDGET_MS ?? '40000',
  });
  const store = await createStore(config.LIVEWATCH_STORE_URL, { redisPrefix: config.LIVEWATCH_REDIS_PREFIX });
  // What the process holds before it sweeps: the runtime, the TypeScript loader (tsx, which a deployed
  // bundle does not carry), the SDK, the store client.
  const baselineRssMb = process.memoryUsage().rss / MB;
  let peakRss = 0;
  let peakHeap = 0;
  const sample = (): void => {
    const usage = process.memoryUsage();
    peakRss = Math.max(peakRss, usage.rss);
    peakHeap = Math.max(peakHeap, usage.heapUsed);
  };
  const timer = setInterval(sample, 20);
  try {
    const pass = async (): Promise<PassFigures> => {
      const tickSeconds: number[] = [];
      const throttledBefore = await throttledSoFar(emulator);
      let snapshotWrites = 0;
      let listed = 0;
      for (;;) {
        // Each tick builds its client afresh, as each FC invocation does; the limiter lives in the store.
        const client = createAliyunClient({
          config: { ...config, LIVEWATCH_API_TIMEOUT_MS: 10_000 },
          credentials: { accessKeyId: emulator.keyId, accessKeySecret: emulator.keySecret },
          accountId: 'bench',
          limiter: createStoreRateLimiter({ ...rateLimitOf(config), store, clock: systemClock }),
        });
        const started = performance.now();
        const report = await runSweep({
          config,
          store,
          client,
          invoker: { invokeAsync: async () => undefined },
          clock: systemClock,
          log: silentLogger,
        });
        tickSeconds.push((performance.now() - started) / 1000);
        snapshotWrites += report.snapshotWrites;
        const relay = report.scopes.find((scope) => scope.scope === 'relay:cn-shanghai');
        listed += relay?.items ?? 0;
        if (relay?.concluded === true) break;
        if (tickSeconds.length > 50) throw new Error('scale bench: the pass did not conclude in 50 ticks');
      }
      return {
        ticks: tickSeconds.length,
        tickSeconds,
        totalSeconds: tickSeconds.reduce((sum, s) => sum + s, 0),
        throttled: (await throttledSoFar(emulator)) - throttledBefore,
        snapshotWrites,
        listed,
      };
    };
    const first = await pass();
    const steady = await pass();
    sample();
    return {
      tasks: TASKS,
      budgetMs: config.LIVEWATCH_SWEEP_BUDGET_MS,
      first,
      steady,
      peakRssMb: peakRss / MB,
      baselineRssMb,
      peakHeapMb: peakHeap / MB,
    };
  } finally {
    clearInterval(timer);
    await store.close();
    await emulator.stop();
  }
}

/** In the parent: one child per store, so each RSS figure is a fresh process's. */
async function runChild(kind: BenchStoreKind): Promise<ScaleResult> {
  const location = await openBenchStore(kind);
  try {
    const child = spawn(process.execPath, [resolve('bin/run-ts.js'), resolve('bench/scale.ts'), '--child'], {
      env: { ...process.env, ...location.env },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let result: ScaleResult | undefined;
    for await (const line of createInterface({ input: child.stdout })) {
      if (line.startsWith(MARKER)) result = JSON.parse(line.slice(MARKER.length)) as ScaleResult;
      else console.log(line);
    }
    if (result === undefined) throw new Error(`scale bench (${kind}): the child reported nothing`);
    return result;
  } finally {
    await location.dispose();
  }
}

export async function run(): Promise<ScaleResult[]> {
  const results: ScaleResult[] = [];
  const lowerBound = Math.ceil(TASKS / PAGE_SIZE) / QPS;
  for (const kind of benchStoreKinds()) {
    const result = await runChild(kind);
    results.push(result);
    console.log(`${TASKS} relay tasks in one region, ticks of ${result.budgetMs / 1000} s budget (${kind})`);
    const row = (figures: PassFigures) => ({
      ticks: figures.ticks,
      'per tick (s)': figures.tickSeconds.map((s) => s.toFixed(1)).join(' / '),
      'pass total': `${figures.totalSeconds.toFixed(1)} s`,
      bound: `${lowerBound} s`,
      ratio: `${(figures.totalSeconds / lowerBound).toFixed(2)}×`,
      throttled: figures.throttled,
      writes: figures.snapshotWrites,
    });
    console.table({ 'first pass (fresh store)': row(result.first), 'steady pass': row(result.steady) });
    console.log(
      `peak RSS ${result.peakRssMb.toFixed(1)} MB (${result.baselineRssMb.toFixed(1)} MB before sweeping), peak heap ${result.peakHeapMb.toFixed(1)} MB (FC's smallest: ${FUNCTION_MEMORY_MB} MB)`,
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
      note: `${result.baselineRssMb.toFixed(1)} MB before sweeping (runtime, tsx loader, SDK), +${(result.peakRssMb - result.baselineRssMb).toFixed(1)} MB sweeping; peak heap ${result.peakHeapMb.toFixed(1)} MB`,
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

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  if (process.argv.includes('--child')) {
    const result = await sweepPasses();
    console.log(`${MARKER}${JSON.stringify(result)}`);
  } else {
    await run();
  }
}
