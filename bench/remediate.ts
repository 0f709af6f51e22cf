/**
 * Remediation benchmark: `node bin/run-ts.js bench/remediate.ts` (or `npm run bench -- remediate`).
 *
 * 1. Detection-to-restart latency (emulator failure → RestartLivePullToPush received), p50/p99:
 *    - through callbacks: emulator callback → local FC host → callback function → async invocation
 *      → alert function (verify, policies, restart);
 *    - through polling: a poller sweep (timer fired right after the failure) → alert function.
 * 2. A storm of 1,000 failing tasks handed to the alert function in one batch: every task restarted,
 *    no throttled call, against the emulator at the documented 10 QPS with 50–100 ms latency, total
 *    time beside the lower bound (1,000 restarts ÷ 10 per second = 100 s).
 * Real parts throughout: loopback HTTP, SQLite in a temp dir and then a real redis-server, the
 * store-shared rate limiter. Environment: BENCH_REMEDIATE_TRIALS (40), BENCH_REMEDIATE_STORM (1000),
 * BENCH_STORES (sqlite,redis).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { handler as alertHandler } from '../functions/alert/index.js';
import { handler as callbackHandler } from '../functions/callback/index.js';
import { handler as pollerHandler } from '../functions/poller/index.js';
import { handleEvents } from '../lib/alert/handle-events.js';
import { buildCallbackUrl } from '../lib/callback/callback-url.js';
import { systemClock } from '../lib/clock.js';
import { loadConfig } from '../lib/config/config.js';
import { eventKey, type TaskEvent } from '../lib/events/task-event.js';
import { silentLogger } from '../lib/log.js';
import type { FlushReport, Notice, Notifier } from '../lib/notify/notice.js';
import { createRuntime, installRuntime, type Runtime } from '../lib/runtime.js';
import { createStore } from '../lib/store/create-store.js';
import { type Emulator, startEmulator } from '../local/emulator/index.js';
import { startLocalHost } from '../local/host/index.js';
import { emulatorEnv } from '../test/support/emulator-stack.js';
import { recordFigure } from './support/bench-results.js';
import { type BenchStoreKind, benchStoreKinds, openBenchStore } from './support/bench-stores.js';

const HOUR = 3_600_000;
/** The one region emulatorEnv configures for Live and ICE. */
const REGION = 'cn-shanghai';
const TOKEN = 'bench-callback-token-0123456789';

export interface RemediateBenchResult {
  readonly callbacks: LatencyFigures;
  readonly polling: LatencyFigures;
  readonly storm: StormFigures;
}

interface LatencyFigures {
  readonly trials: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
}

interface StormFigures {
  readonly tasks: number;
  readonly restarted: number;
  readonly throttled: number;
  readonly totalS: number;
  readonly lowerBoundS: number;
  readonly verifyCalls: number;
}

/** Counts notices without sending them anywhere: the bench measures remediation, not chat. */
const countingNotifier = (): Notifier & { count: number } => ({
  count: 0,
  async notify(_notice: Notice) {
    this.count += 1;
  },
  async flush(): Promise<FlushReport> {
    return { groupsFlushed: 0, sent: 0, retried: 0, dead: 0, digested: 0 };
  },
});

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

function figures(samples: number[]): LatencyFigures {
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    trials: sorted.length,
    p50Ms: percentile(sorted, 50),
    p99Ms: percentile(sorted, 99),
    maxMs: sorted.at(-1) ?? Number.NaN,
  };
}

/** Resolves when the emulator has received a Restart for `taskId` at or after `since` (its clock). */
async function restartReceived(
  emulator: Emulator,
  taskId: string,
  since: number,
  timeoutMs = 30_000,
): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const hit = emulator.requests.find(
      (r) =>
        r.action === 'RestartLivePullToPush' &&
        r.params.TaskId === taskId &&
        r.at >= since &&
        r.status === 200,
    );
    if (hit) return hit.at;
    if (Date.now() > deadline) throw new Error(`no restart of ${taskId} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

async function measureLatency(
  trials: number,
  kind: BenchStoreKind,
): Promise<{ callbacks: LatencyFigures; polling: LatencyFigures }> {
  const dir = await mkdtemp(join(tmpdir(), 'livewatch-bench-remediate-'));
  const location = await openBenchStore(kind);
  const emulator = await startEmulator({ latencyMs: [50, 100], qps: 10, tasks: 0 });
  const host = await startLocalHost({
    handlers: { callback: callbackHandler, poller: pollerHandler, alert: alertHandler },
    pollIntervalMs: 0,
    tickIntervalMs: 0,
    alertConcurrency: 4,
  });
  let runtime: Runtime | undefined;
  try {
    const config = loadConfig({
      ...emulatorEnv(emulator, dir),
      ...location.env,
      LIVEWATCH_CALLBACK_TOKENS: TOKEN,
      LIVEWATCH_CALLBACK_BASE_URL: host.url,
      LIVEWATCH_ENROL: 'off',
      // Trials fail one task after another within seconds; in the field they are unrelated failures
      // hours apart, so the region's mass-failure breaker must not count them together here.
      LIVEWATCH_BREAKER_THRESHOLD: '100000',
      LIVEWATCH_LOG_LEVEL: 'error',
    });
    const store = await createStore(config.LIVEWATCH_STORE_URL, {
      redisPrefix: config.LIVEWATCH_REDIS_PREFIX,
    });
    runtime = await createRuntime({
      config,
      clock: systemClock,
      log: silentLogger,
      store,
      invoker: host.invoker,
      notifier: countingNotifier(),
    });
    installRuntime(runtime);
    const callbackUrl = buildCallbackUrl(config, REGION) ?? '';
    const addTask = (taskId: string, withCallback: boolean) =>
      emulator.addTask({
        taskId,
        region: REGION,
        sourceUrls: [`rtmp://origin-${taskId}.example.com/live/${taskId}`],
        dstUrl: `rtmp://push.example.com/live/${taskId}`,
        startAt: Date.now() - HOUR,
        endAt: Date.now() + 24 * HOUR,
        // No platform retries: the task goes offline at once, so the figure is livewatch's own latency.
        retryCount: 0,
        callbackUrl: withCallback ? callbackUrl : '',
      });
    for (let i = 0; i < trials; i += 1) {
      addTask(`cb-${i}`, true);
      addTask(`poll-${i}`, false);
    }
    // First sight of every task (snapshots written), so later sweeps report transitions only.
    await host.runPoller();
    await host.drain();

    const fail = async (taskId: string): Promise<number> => {
      const at = Date.now();
      emulator.faults.failSource({ taskId });
      await emulator.advance();
      // The task is offline now; a healthy source lets the restart hold (no restart chains).
      emulator.faults.recoverSource({ taskId });
      return at;
    };

    const viaCallbacks: number[] = [];
    for (let i = 0; i < trials; i += 1) {
      const failedAt = await fail(`cb-${i}`);
      const restartedAt = await restartReceived(emulator, `cb-${i}`, failedAt);
      viaCallbacks.push(restartedAt - failedAt);
      await host.drain();
    }
    const viaPolling: number[] = [];
    for (let i = 0; i < trials; i += 1) {
      const failedAt = await fail(`poll-${i}`);
      await host.runPoller();
      const restartedAt = await restartReceived(emulator, `poll-${i}`, failedAt);
      viaPolling.push(restartedAt - failedAt);
      await host.drain();
    }
    return { callbacks: figures(viaCallbacks), polling: figures(viaPolling) };
  } finally {
    installRuntime(undefined);
    await host.close();
    await runtime?.close();
    await emulator.close();
    await rm(dir, { recursive: true, force: true });
    await location.dispose();
  }
}

async function measureStorm(tasks: number, kind: BenchStoreKind): Promise<StormFigures> {
  const dir = await mkdtemp(join(tmpdir(), 'livewatch-bench-storm-'));
  const location = await openBenchStore(kind);
  const emulator = await startEmulator({ latencyMs: [50, 100], qps: 10, tasks: 0 });
  let runtime: Runtime | undefined;
  try {
    const config = loadConfig({
      ...emulatorEnv(emulator, dir),
      ...location.env,
      // The storm measures restart throughput: the mass-failure breaker would (rightly) pause it.
      LIVEWATCH_BREAKER_THRESHOLD: '100000',
      // A 1,000-restart batch takes ~110 s at 10 QPS; the per-call deadline must allow queueing.
      LIVEWATCH_API_DEADLINE_MS: '300000',
      LIVEWATCH_LOG_LEVEL: 'error',
    });
    const store = await createStore(config.LIVEWATCH_STORE_URL, {
      redisPrefix: config.LIVEWATCH_REDIS_PREFIX,
    });
    runtime = await createRuntime({
      config,
      clock: systemClock,
      log: silentLogger,
      store,
      invoker: { invokeAsync: async () => undefined },
      notifier: countingNotifier(),
    });
    const events: TaskEvent[] = [];
    for (let i = 0; i < tasks; i += 1) {
      const taskId = `storm-${i}`;
      emulator.addTask({
        taskId,
        region: REGION,
        sourceUrls: [`rtmp://origin-${i % 50}.example.com/live/${taskId}`],
        startAt: Date.now() - HOUR,
        endAt: Date.now() + 24 * HOUR,
      });
      emulator.setTaskStatus(taskId, 3, 'PullStreamFailed');
      events.push({
        resource: { kind: 'relay', id: taskId, region: REGION },
        state: 'offline',
        reason: 'PullStreamFailed',
        trigger: 'transition',
        observedAt: Date.now(),
        source: 'poll',
        key: eventKey(['storm', taskId]),
      });
    }
    const started = performance.now();
    const report = await handleEvents(
      {
        config,
        store,
        client: runtime.client(),
        notifier: runtime.notifier,
        clock: systemClock,
        log: silentLogger,
      },
      events,
    );
    const totalS = (performance.now() - started) / 1000;
    const stats = emulator.stats();
    return {
      tasks,
      restarted: report.outcomes.filter((o) => o.action === 'restarted').length,
      throttled: stats.totals.throttled,
      totalS,
      lowerBoundS: tasks / 10,
      verifyCalls:
        (stats.actions.DescribeLivePullToPushList?.calls ?? 0) +
        (stats.actions.DescribeLivePullToPush?.calls ?? 0),
    };
  } finally {
    await runtime?.close();
    await emulator.close();
    await rm(dir, { recursive: true, force: true });
    await location.dispose();
  }
}

export async function run(): Promise<RemediateBenchResult[]> {
  const trials = Number(process.env.BENCH_REMEDIATE_TRIALS ?? 40);
  const stormTasks = Number(process.env.BENCH_REMEDIATE_STORM ?? 1000);
  const results: RemediateBenchResult[] = [];
  for (const kind of benchStoreKinds()) {
    const latency = await measureLatency(trials, kind);
    const storm = await measureStorm(stormTasks, kind);
    report(kind, latency, storm);
    results.push({ ...latency, storm });
  }
  return results;
}

function report(
  kind: BenchStoreKind,
  latency: { callbacks: LatencyFigures; polling: LatencyFigures },
  storm: StormFigures,
): void {
  const ms = (n: number) => `${Math.round(n)} ms`;
  console.log(`detection → RestartLivePullToPush received (emulator 10 QPS, 50–100 ms per call; ${kind})`);
  console.table({
    'via callbacks (host → callback fn → alert fn)': {
      trials: latency.callbacks.trials,
      p50: ms(latency.callbacks.p50Ms),
      p99: ms(latency.callbacks.p99Ms),
      max: ms(latency.callbacks.maxMs),
    },
    'via polling (sweep fired at once → alert fn)': {
      trials: latency.polling.trials,
      p50: ms(latency.polling.p50Ms),
      p99: ms(latency.polling.p99Ms),
      max: ms(latency.polling.maxMs),
    },
  });
  const ratio = storm.totalS / storm.lowerBoundS;
  console.log(
    `storm: ${storm.tasks} offline tasks in one alert batch (emulator 10 QPS, 50–100 ms per call; ${kind})`,
  );
  console.table({
    storm: {
      restarted: `${storm.restarted} / ${storm.tasks}`,
      'throttled calls': storm.throttled,
      'verify calls': storm.verifyCalls,
      total: `${storm.totalS.toFixed(1)} s`,
      'lower bound': `${storm.lowerBoundS.toFixed(0)} s`,
      ratio: `${ratio.toFixed(2)}×`,
    },
  });
  recordFigure({
    bench: 'remediate',
    figure: `storm of ${storm.tasks} offline tasks → Restart`,
    store: kind,
    value: storm.totalS,
    unit: 's',
    bound: storm.lowerBoundS,
    ratio,
    goal: '≤ 1.05×, 0 throttled',
    met: ratio <= 1.05 && storm.throttled === 0 && storm.restarted === storm.tasks,
    note: `${storm.restarted} restarted, ${storm.throttled} throttled, ${storm.verifyCalls} verify calls`,
  });
  for (const [path, figures] of [
    ['callbacks', latency.callbacks],
    ['polling', latency.polling],
  ] as const) {
    recordFigure({
      bench: 'remediate',
      figure: `detection → restart via ${path}, p50`,
      store: kind,
      value: figures.p50Ms,
      unit: 'ms',
      note: `p99 ${Math.round(figures.p99Ms)} ms over ${figures.trials} trials`,
    });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await run();
}
