/**
 * Sweep benchmark: `node bin/run-ts.js bench/sweep.ts` (or `npm run bench -- sweep`).
 *
 * One poller sweep over 10,000 relay tasks (100 pages) against the emulator at the documented
 * 10 calls/s per account and action, with a realistic 50–100 ms per call. The emulator runs in its
 * own process (`livewatch emulator`), so the memory figures are the poller's alone. Reports, for a
 * first sweep (a fresh install: 10,000 snapshots written) and a steady sweep (nothing changed):
 *  - duration beside the lower bound, pages ÷ QPS (no poller can list faster without throttling);
 *  - API calls made and the emulator's throttled count (must be 0);
 *  - snapshot writes;
 *  - peak heapUsed and peak RSS growth sampled every 20 ms during the sweep, against FC's 128 MB.
 * The store is SQLite in a temp dir, then a real redis-server; the rate limiter the store-backed
 * one, as in the function. Environment: BENCH_TASKS (10000), BENCH_QPS (10), BENCH_LATENCY_MS
 * (50-100), BENCH_STORES (sqlite,redis).
 */
import { type ChildProcess, spawn } from 'node:child_process';
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
import type { SweepReport } from '../lib/monitor/sweep-report.js';
import type { Invoker } from '../lib/ports/invoker.js';
import { createStore } from '../lib/store/create-store.js';
import { recordFigure } from './support/bench-results.js';
import { type BenchStoreKind, benchStoreKinds, openBenchStore } from './support/bench-stores.js';

const TASKS = Number(process.env.BENCH_TASKS ?? 10_000);
const QPS = Number(process.env.BENCH_QPS ?? 10);
const LATENCY = process.env.BENCH_LATENCY_MS ?? '50-100';
const PAGE_SIZE = 100;
const FUNCTION_MEMORY_MB = 128;
const MB = 1024 * 1024;

export interface SweepRun {
  readonly seconds: number;
  readonly lowerBoundSeconds: number;
  readonly apiCalls: number;
  readonly throttled: number;
  readonly snapshotWrites: number;
  readonly tasks: number;
  readonly complete: boolean;
  readonly peakHeapMb: number;
  readonly rssGrowthMb: number;
}

export interface BenchResult {
  readonly store: BenchStoreKind;
  readonly tasks: number;
  readonly pages: number;
  readonly qps: number;
  readonly first: SweepRun;
  readonly steady: SweepRun;
}

export interface EmulatorProcess {
  readonly url: string;
  readonly endpoint: string;
  readonly keyId: string;
  readonly keySecret: string;
  stop(): Promise<void>;
}

/** The emulator in its own process (so memory figures are the poller's alone), with `tasks` relay tasks. */
/** The settings that point livewatch at the emulator process: its endpoint over HTTP, its keys, cn-shanghai. */
export function emulatorProcessEnv(emulator: EmulatorProcess): Record<string, string> {
  return {
    LIVEWATCH_LIVE_ENDPOINT: emulator.endpoint,
    LIVEWATCH_ICE_ENDPOINT: emulator.endpoint,
    LIVEWATCH_API_PROTOCOL: 'http',
    ALIBABA_CLOUD_ACCESS_KEY_ID: emulator.keyId,
    ALIBABA_CLOUD_ACCESS_KEY_SECRET: emulator.keySecret,
    LIVEWATCH_LIVE_REGIONS: 'cn-shanghai',
    LIVEWATCH_ICE_REGIONS: 'cn-shanghai',
  };
}

export async function startEmulatorProcess(tasks = TASKS): Promise<EmulatorProcess> {
  const child: ChildProcess = spawn(
    process.execPath,
    [
      resolve('bin/livewatch.js'),
      'emulator',
      '--port',
      '0',
      '--tasks',
      String(tasks),
      '--records',
      '0',
      '--transcodes',
      '0',
      '--regions',
      'cn-shanghai',
      '--qps',
      String(QPS),
      '--latency-ms',
      LATENCY,
      '--seed',
      '1',
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const found: Record<string, string> = {};
  for await (const line of lines) {
    const listening = /listening on (http:\/\/\S+)/.exec(line);
    if (listening?.[1]) found.url = listening[1];
    const key = /^(ALIBABA_CLOUD_ACCESS_KEY_ID|ALIBABA_CLOUD_ACCESS_KEY_SECRET)=(\S+)$/.exec(line);
    if (key?.[1] && key[2]) found[key[1]] = key[2];
    if (found.url && found.ALIBABA_CLOUD_ACCESS_KEY_ID && found.ALIBABA_CLOUD_ACCESS_KEY_SECRET) break;
  }
  const url = found.url;
  if (!url) throw new Error('the emulator did not start');
  return {
    url,
    endpoint: new URL(url).host,
    keyId: found.ALIBABA_CLOUD_ACCESS_KEY_ID ?? '',
    keySecret: found.ALIBABA_CLOUD_ACCESS_KEY_SECRET ?? '',
    stop: () =>
      new Promise<void>((done) => {
        child.once('exit', () => done());
        child.kill('SIGTERM');
      }),
  };
}

export async function throttledSoFar(emulator: EmulatorProcess): Promise<number> {
  const response = await fetch(`${emulator.url}/_emulator/stats`);
  const stats = (await response.json()) as { totals: { throttled: number } };
  return stats.totals.throttled;
}

/** Samples memory while `work` runs; returns its result with the peak heap and the RSS growth. */
async function sampled<T>(
  work: () => Promise<T>,
): Promise<{ value: T; peakHeapMb: number; rssGrowthMb: number }> {
  const baseline = process.memoryUsage();
  let peakHeap = baseline.heapUsed;
  let peakRss = baseline.rss;
  const sample = (): void => {
    const usage = process.memoryUsage();
    peakHeap = Math.max(peakHeap, usage.heapUsed);
    peakRss = Math.max(peakRss, usage.rss);
  };
  const timer = setInterval(sample, 20);
  try {
    const value = await work();
    sample();
    return { value, peakHeapMb: peakHeap / MB, rssGrowthMb: (peakRss - baseline.rss) / MB };
  } finally {
    clearInterval(timer);
  }
}

export async function run(): Promise<BenchResult[]> {
  const results: BenchResult[] = [];
  for (const kind of benchStoreKinds()) results.push(await runOn(kind));
  return results;
}

async function runOn(kind: BenchStoreKind): Promise<BenchResult> {
  const emulator = await startEmulatorProcess();
  const location = await openBenchStore(kind);
  const config = loadConfig({
    ...location.env,
    ...emulatorProcessEnv(emulator),
    LIVEWATCH_API_QPS: String(QPS),
    // One sweep of the whole account: the budget is not what this measures.
    LIVEWATCH_SWEEP_BUDGET_MS: '600000',
  });
  const store = await createStore(config.LIVEWATCH_STORE_URL, { redisPrefix: config.LIVEWATCH_REDIS_PREFIX });
  let invoked = 0;
  const invoker: Invoker = {
    invokeAsync: async () => {
      invoked += 1;
    },
  };
  try {
    const sweepOnce = async (): Promise<SweepRun> => {
      // A fresh client per sweep, as each FC invocation builds one (cheap; the limiter lives in the store).
      const client = createAliyunClient({
        config: { ...config, LIVEWATCH_API_TIMEOUT_MS: 10_000 },
        credentials: { accessKeyId: emulator.keyId, accessKeySecret: emulator.keySecret },
        accountId: 'bench',
        limiter: createStoreRateLimiter({ ...rateLimitOf(config), store, clock: systemClock }),
        clock: systemClock,
      });
      const throttledBefore = await throttledSoFar(emulator);
      const started = performance.now();
      const {
        value: report,
        peakHeapMb,
        rssGrowthMb,
      } = await sampled<SweepReport>(() =>
        runSweep({ config, store, client, invoker, clock: systemClock, log: silentLogger }),
      );
      const seconds = (performance.now() - started) / 1000;
      const listed = Object.values(report.tasks.relay).reduce((sum, count) => sum + (count ?? 0), 0);
      // Three listings: relay pages, then one page each of record and transcode jobs (other actions, own limits).
      const pages = Math.ceil(TASKS / PAGE_SIZE);
      return {
        seconds,
        lowerBoundSeconds: pages / QPS,
        apiCalls: report.apiCalls.requests,
        throttled: (await throttledSoFar(emulator)) - throttledBefore,
        snapshotWrites: report.snapshotWrites,
        tasks: listed,
        complete: report.complete,
        peakHeapMb,
        rssGrowthMb,
      };
    };
    const first = await sweepOnce();
    const steady = await sweepOnce();
    const result: BenchResult = {
      store: kind,
      tasks: TASKS,
      pages: Math.ceil(TASKS / PAGE_SIZE),
      qps: QPS,
      first,
      steady,
    };
    print(result, invoked);
    return result;
  } finally {
    await store.close();
    await emulator.stop();
    await location.dispose();
  }
}

function print(result: BenchResult, invoked: number): void {
  for (const [name, sweep] of [
    ['first', result.first],
    ['steady', result.steady],
  ] as const) {
    const ratio = sweep.seconds / sweep.lowerBoundSeconds;
    recordFigure({
      bench: 'sweep',
      figure: `${result.tasks}-task sweep, ${name}`,
      store: result.store,
      value: sweep.seconds,
      unit: 's',
      bound: sweep.lowerBoundSeconds,
      ratio,
      goal: '≤ 1.10×, 0 throttled',
      met: ratio <= 1.1 && sweep.throttled === 0,
      note: `${sweep.throttled} throttled, ${sweep.snapshotWrites} writes, peak heap ${sweep.peakHeapMb.toFixed(1)} MB`,
    });
  }
  console.log(`store: ${result.store}`);
  const rows: string[][] = [
    [
      'sweep',
      'tasks',
      'seconds',
      'lower bound',
      'ratio',
      'API calls',
      'throttled',
      'writes',
      'peak heap',
      'RSS growth',
    ],
  ];
  for (const [name, sweep] of [
    ['first (fresh install)', result.first],
    ['steady (no change)', result.steady],
  ] as const) {
    rows.push([
      name,
      String(sweep.tasks),
      sweep.seconds.toFixed(1),
      `${sweep.lowerBoundSeconds.toFixed(1)} s`,
      `${(sweep.seconds / sweep.lowerBoundSeconds).toFixed(2)}×`,
      String(sweep.apiCalls),
      String(sweep.throttled),
      String(sweep.snapshotWrites),
      `${sweep.peakHeapMb.toFixed(1)} MB`,
      `${sweep.rssGrowthMb.toFixed(1)} MB`,
    ]);
  }
  const widths = rows[0]?.map((_, col) => Math.max(...rows.map((row) => (row[col] ?? '').length))) ?? [];
  for (const row of rows) console.log(row.map((cell, col) => cell.padEnd(widths[col] ?? 0)).join('  '));
  console.log(
    `\n${result.tasks} relay tasks in ${result.pages} pages at ${result.qps} calls/s, latency ${LATENCY} ms; ` +
      `lower bound = pages ÷ QPS. Memory within a ${FUNCTION_MEMORY_MB} MB function: peak heap ` +
      `${Math.max(result.first.peakHeapMb, result.steady.peakHeapMb).toFixed(1)} MB. Alert invocations: ${invoked}.`,
  );
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await run();
}
