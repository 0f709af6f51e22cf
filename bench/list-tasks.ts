/**
 * Listing benchmark: `node bin/run-ts.js bench/list-tasks.ts` (or `npm run bench -- list-tasks`).
 *
 * Time to list 10,000 relay tasks (100 pages of 100) from the emulator at the documented 10 calls/s
 * per account and action, with a realistic 50–100 ms per call, three ways:
 *  - the lower bound: pages ÷ QPS seconds (no client can list faster without being throttled);
 *  - livewatch's client: first page, then the rest concurrently within the sliding-window limiter;
 *  - a naive loop over the same SDK: `await` each page in turn, retrying a failed page at once.
 * Each run reports its duration, its ratio to the lower bound, the calls made and how many of them
 * the emulator throttled. livewatch's client runs with the in-process limiter (the CLI's) and with the
 * store-backed one (the functions') on SQLite and on a real redis-server, cold (a fresh instance) and
 * warm (the same instance's next listing), at 50–100 ms and 200–400 ms per call.
 * Environment: BENCH_TASKS (10000), BENCH_QPS (10), BENCH_LATENCY_MS (both profiles),
 * BENCH_STORES (sqlite,redis).
 */
import { pathToFileURL } from 'node:url';
import { OpenApiRequest, Params } from '@alicloud/openapi-client';
import type { AliyunClient } from '../lib/aliyun/api.js';
import { createAliyunClient } from '../lib/aliyun/create-aliyun-client.js';
import { createMemoryRateLimiter } from '../lib/aliyun/create-memory-rate-limiter.js';
import { createStoreRateLimiter } from '../lib/aliyun/create-store-rate-limiter.js';
import { getOpenApiClient } from '../lib/aliyun/get-openapi-client.js';
import { type RateLimiter, rateLimitOf } from '../lib/aliyun/rate-limiter.js';
import { systemClock } from '../lib/clock.js';
import { loadConfig } from '../lib/config/config.js';
import { createStore } from '../lib/store/create-store.js';
import type { Store } from '../lib/store/store.js';
import { type Emulator, parseLatency, startEmulator } from '../local/emulator/index.js';
import { recordFigure } from './support/bench-results.js';
import { benchStoreKinds, openBenchStore } from './support/bench-stores.js';

const TASKS = Number(process.env.BENCH_TASKS ?? 10_000);
const QPS = Number(process.env.BENCH_QPS ?? 10);
const PROFILES = (process.env.BENCH_LATENCY_MS ?? '50-100,200-400').split(',');
/** The goals per latency profile (ratio to the lower bound). */
const GOALS: Readonly<Record<string, number>> = { '50-100': 1.05, '200-400': 1.15 };
const PAGE_SIZE = 100;
const REGION = 'cn-shanghai';
/** The limiter exactly as the settings' defaults build it (learned margin + LIVEWATCH_API_WINDOW_MARGIN_MS). */
const RATE_LIMIT = rateLimitOf(loadConfig({ LIVEWATCH_API_QPS: String(QPS) }));

export interface ListingRun {
  readonly seconds: number;
  /** HTTP requests sent (including retries). */
  readonly requests: number;
  /** Requests the emulator answered with Throttling.User. */
  readonly throttled: number;
  readonly tasks: number;
  /** Every task id listed exactly once. */
  readonly complete: boolean;
}

export interface BenchResult {
  readonly tasks: number;
  readonly pages: number;
  readonly qps: number;
  readonly lowerBoundSeconds: number;
  readonly livewatch: ListingRun;
  readonly naive: ListingRun;
}

async function measure(
  emulator: Emulator,
  list: () => Promise<{ ids: string[]; requests: number }>,
): Promise<ListingRun> {
  const throttledBefore = emulator.stats().totals.throttled;
  const started = performance.now();
  const { ids, requests } = await list();
  const seconds = (performance.now() - started) / 1000;
  const expected = new Set(emulator.tasks().map((task) => task.taskId));
  const complete = ids.length === expected.size && ids.every((id) => expected.has(id));
  return {
    seconds,
    requests,
    throttled: emulator.stats().totals.throttled - throttledBefore,
    tasks: ids.length,
    complete,
  };
}

/** livewatch's client as the functions build it, with the given limiter (default: in-process) at the bench's QPS. */
function benchClient(emulator: Emulator, limiter?: RateLimiter): AliyunClient {
  return createAliyunClient({
    config: {
      LIVEWATCH_LIVE_ENDPOINT: emulator.endpoint,
      LIVEWATCH_ICE_ENDPOINT: emulator.endpoint,
      LIVEWATCH_API_PROTOCOL: 'http',
      LIVEWATCH_API_SIGNATURE: 'v3',
      LIVEWATCH_API_TIMEOUT_MS: 10_000,
      LIVEWATCH_API_DEADLINE_MS: 120_000,
      LIVEWATCH_API_QPS: QPS,
    },
    credentials: { accessKeyId: emulator.accessKey.id, accessKeySecret: emulator.accessKey.secret },
    accountId: 'bench',
    limiter: limiter ?? createMemoryRateLimiter({ ...RATE_LIMIT, clock: systemClock }),
  });
}

function livewatchListing(emulator: Emulator, limiter?: () => RateLimiter) {
  return async (): Promise<{ ids: string[]; requests: number }> => {
    const client = benchClient(emulator, limiter?.());
    const ids: string[] = [];
    for await (const task of client.listRelayTasks({ region: REGION, pageSize: PAGE_SIZE }))
      ids.push(task.taskId);
    return { ids, requests: client.stats().requests };
  };
}

/** The loop most people write first: the same SDK call, one page after another, retry on failure. */
function naiveListing(emulator: Emulator) {
  return async (): Promise<{ ids: string[]; requests: number }> => {
    const sdk = getOpenApiClient({
      credentials: { accessKeyId: emulator.accessKey.id, accessKeySecret: emulator.accessKey.secret },
      endpoint: emulator.endpoint,
      protocol: 'http',
      signature: 'v3',
    });
    const params = new Params({
      action: 'DescribeLivePullToPushList',
      version: '2016-11-01',
      protocol: 'HTTP',
      pathname: '/',
      method: 'GET',
      authType: 'AK',
      style: 'RPC',
      reqBodyType: 'formData',
      bodyType: 'json',
    });
    const ids: string[] = [];
    let requests = 0;
    let total = Number.POSITIVE_INFINITY;
    for (let page = 1; (page - 1) * PAGE_SIZE < total; ) {
      requests += 1;
      try {
        const response = (await sdk.callApi(
          params,
          new OpenApiRequest({
            query: { Region: REGION, PageNumber: String(page), PageSize: String(PAGE_SIZE) },
          }),
          { readTimeout: 10_000, connectTimeout: 10_000 } as Parameters<typeof sdk.callApi>[2],
        )) as { body: { Total: number; TaskList: Array<{ TaskId: string }> } };
        total = response.body.Total;
        ids.push(...response.body.TaskList.map((task) => task.TaskId));
        page += 1;
      } catch {
        // Naive: try the same page again at once (this is what draws throttling errors).
      }
    }
    return { ids, requests };
  };
}

export async function run(): Promise<BenchResult[]> {
  const results: BenchResult[] = [];
  for (const profile of PROFILES) results.push(await runProfile(profile.trim()));
  return results;
}

async function runProfile(profile: string): Promise<BenchResult> {
  const latencyMs = parseLatency(profile);
  const emulator = await startEmulator({ tasks: TASKS, qps: QPS, latencyMs, regions: [REGION] });
  try {
    const pages = Math.ceil(TASKS / PAGE_SIZE);
    const lowerBoundSeconds = pages / QPS;
    // Warm up (JIT, keep-alive sockets) with a few calls, then let the server's window empty before each run.
    const warmup = benchClient(emulator);
    for await (const page of warmup.listRelayTaskPages({
      region: REGION,
      pageSize: PAGE_SIZE,
      fromPage: pages - 2,
    })) {
      void page;
    }
    const pause = () => new Promise((resolve) => setTimeout(resolve, 1_500));
    await pause();
    const livewatch = await measure(emulator, livewatchListing(emulator));
    const rows: Record<string, ListingRun> = { 'livewatch, in-process limiter (CLI)': livewatch };
    for (const kind of benchStoreKinds()) {
      const location = await openBenchStore(kind);
      let store: Store | undefined;
      try {
        store = await createStore(
          location.url,
          location.redisPrefix ? { redisPrefix: location.redisPrefix } : {},
        );
        // One limiter for both runs, as a function instance keeps its runtime: the first listing is a
        // cold instance's (nothing learned yet), the second a warm one's (the functions' steady state).
        const limiter = createStoreRateLimiter({ ...RATE_LIMIT, store, clock: systemClock });
        for (const phase of ['cold', 'warm']) {
          await pause();
          rows[`livewatch, store-backed limiter, ${phase} instance (${kind})`] = await measure(
            emulator,
            livewatchListing(emulator, () => limiter),
          );
        }
      } finally {
        await store?.close();
        await location.dispose();
      }
    }
    await pause();
    const naive = profile === PROFILES[0] ? await measure(emulator, naiveListing(emulator)) : undefined;
    report(profile, pages, lowerBoundSeconds, rows, naive);
    return { tasks: TASKS, pages, qps: QPS, lowerBoundSeconds, livewatch, naive: naive ?? livewatch };
  } finally {
    await emulator.close();
  }
}

function report(
  profile: string,
  pages: number,
  lowerBoundSeconds: number,
  rows: Readonly<Record<string, ListingRun>>,
  naive: ListingRun | undefined,
): void {
  const row = (figures: ListingRun) => ({
    seconds: Number(figures.seconds.toFixed(2)),
    'vs lower bound': `${(figures.seconds / lowerBoundSeconds).toFixed(2)}×`,
    requests: figures.requests,
    throttled: figures.throttled,
    'all ids once': figures.complete,
  });
  console.log(
    `${TASKS} tasks = ${pages} pages of ${PAGE_SIZE}; emulator at ${QPS} calls/s per action, ${profile} ms per call`,
  );
  const table: Record<string, ReturnType<typeof row>> = {
    [`lower bound (${pages} pages ÷ ${QPS}/s)`]: {
      seconds: lowerBoundSeconds,
      'vs lower bound': '1.00×',
      requests: pages,
      throttled: 0,
      'all ids once': true,
    },
  };
  for (const [name, figures] of Object.entries(rows)) table[name] = row(figures);
  if (naive) table['naive sequential loop (same SDK)'] = row(naive);
  console.table(table);
  const goal = GOALS[profile];
  for (const [name, figures] of Object.entries(rows)) {
    const store = /\((sqlite|redis)\)/.exec(name)?.[1] as 'sqlite' | 'redis' | undefined;
    const ratio = figures.seconds / lowerBoundSeconds;
    // The cold store-backed figures keep their earlier names, so results.json diffs line up.
    let variant = '';
    if (store === undefined) variant = ' (in-process limiter)';
    else if (name.includes(', warm instance')) variant = ' (warm instance)';
    recordFigure({
      bench: 'list-tasks',
      figure: `list ${TASKS} relay tasks at ${QPS}/s, ${profile} ms${variant}`,
      store: store ?? 'none',
      value: figures.seconds,
      unit: 's',
      bound: lowerBoundSeconds,
      ratio,
      ...(goal === undefined
        ? {}
        : { goal: `≤ ${goal.toFixed(2)}×, 0 throttled`, met: ratio <= goal && figures.throttled === 0 }),
      note: `${figures.throttled} throttled, ${figures.requests} requests`,
    });
    if (!figures.complete || figures.throttled !== 0) {
      throw new Error(
        `list-tasks bench (${name}): ${figures.tasks} tasks (complete: ${figures.complete}), ${figures.throttled} throttled`,
      );
    }
  }
  if (naive) {
    console.log(
      `naive loop: ${naive.throttled} of its ${naive.requests} calls throttled (${((100 * naive.throttled) / naive.requests).toFixed(0)}%)`,
    );
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await run();
}
