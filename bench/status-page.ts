/**
 * Status page benchmark: `node bin/run-ts.js bench/status-page.ts` (or `npm run bench -- status-page`).
 *
 * Time to render the status page's views with 10,000 tasks, on SQLite (a file in a temp dir) and on
 * Redis (a real redis-server on loopback), through the real callback function in the local FC host
 * (HTTP on loopback, the Bearer token checked, the page rendered and redacted):
 *  - the overview (`GET /status`), which must count every snapshot once, beside the baseline of a
 *    bare walk over every snapshot in the same store (pages of 1,000, nothing computed);
 *  - the first page of the task list (`GET /status/tasks`, 50 rows) and a filtered one
 *    (`?state=offline`, which scans until it has 50 or has looked at 5,000), beside the baseline of
 *    one bare `listPage` of 50;
 *  - a task's page (one snapshot, one ledger, two capped histories) and `GET /metrics`.
 * Each figure is the median of BENCH_STATUS_RUNS runs (default 7) after one warm-up, printed as
 * milliseconds and as a ratio to its baseline. Environment: BENCH_STATUS_TASKS (10000).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Store } from '../lib/store/store.js';
import { startRedisServer } from '../test/support/redis-server.js';
import {
  METRICS_TOKEN,
  putHistory,
  putLedger,
  putTask,
  relayTask,
  STATUS_TOKEN,
  startStatusHarness,
} from '../test/support/status-harness.js';

const TASKS = Number(process.env.BENCH_STATUS_TASKS ?? 10_000);
const RUNS = Number(process.env.BENCH_STATUS_RUNS ?? 7);
const REGIONS = ['cn-shanghai', 'cn-beijing'] as const;
const HOSTS = ['origin-a.example.com', 'origin-b.example.com', 'vod-cdn.example.org', 'edge.example.net'];

export interface ViewTiming {
  readonly view: string;
  readonly ms: number;
  readonly baselineMs: number;
  readonly ratio: number;
}

export interface StoreResult {
  readonly store: 'sqlite' | 'redis';
  readonly tasks: number;
  readonly views: readonly ViewTiming[];
}

async function median(runs: number, once: () => Promise<unknown>): Promise<number> {
  await once();
  const times: number[] = [];
  for (let i = 0; i < runs; i += 1) {
    const started = performance.now();
    await once();
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)] ?? 0;
}

/** 10,000 tasks over two regions and four hosts; one in 20 offline with a ledger and some history. */
async function seed(store: Store, now: number): Promise<string> {
  let sample = '';
  for (let i = 0; i < TASKS; i += 1) {
    const id = `bench-${String(i).padStart(6, '0')}`;
    const offline = i % 20 === 0;
    const task = relayTask(id, {
      region: REGIONS[i % REGIONS.length] ?? 'cn-shanghai',
      sourceUrls: [`rtmp://${HOSTS[i % HOSTS.length]}/live/${id}`],
      ...(offline ? { state: 'offline', status: 3, invalidReason: 'PullStreamFailed' } : {}),
    });
    const key = await putTask(store, task, now - 3_600_000);
    if (offline) {
      await putLedger(store, key, {
        taskId: id,
        region: task.region,
        unhealthySince: now - 600_000,
        restarts: [now - 500_000],
        consecutive: 1,
        needsPerson: i % 100 === 0,
      });
      if (sample === '') {
        sample = id;
        await putHistory(
          store,
          key,
          Array.from({ length: 200 }, (_, n) => ({
            at: now - 600_000 + n * 1_000,
            type: n % 2 === 0 ? 'event' : 'wait',
            message: `entry ${n}`,
            data: { source: 'tick', state: n % 2 === 0 ? 'offline' : 'recovering' },
          })),
        );
      }
    }
  }
  return sample;
}

async function measureStore(kind: 'sqlite' | 'redis', storeUrl: string): Promise<StoreResult> {
  const h = await startStatusHarness({ storeUrl, env: { LIVEWATCH_LIVE_REGIONS: REGIONS.join(',') } });
  try {
    const sample = await seed(h.store, h.clock.now());
    const page =
      (path: string, token = STATUS_TOKEN) =>
      async () => {
        const response = await h.get(path, { token });
        if (response.status !== 200) throw new Error(`${path} answered ${response.status}`);
        await response.text();
      };
    // Baselines: what any implementation must read from this store, with nothing computed.
    const scanAll = async () => {
      let after: string | undefined;
      do {
        const next = await h.store.snapshots.listPage({ limit: 1_000, ...(after ? { after } : {}) });
        after = next.next;
      } while (after !== undefined);
    };
    const firstPage = () => h.store.snapshots.listPage({ limit: 50 });
    const scanMs = await median(RUNS, scanAll);
    const pageMs = await median(RUNS, firstPage);
    const views: ViewTiming[] = [];
    const time = async (view: string, run: () => Promise<void>, baselineMs: number) => {
      const ms = await median(RUNS, run);
      views.push({ view, ms, baselineMs, ratio: ms / baselineMs });
    };
    await time('overview  GET /status', page('/status'), scanMs);
    await time('metrics   GET /metrics', page('/metrics', METRICS_TOKEN), scanMs);
    await time('tasks     GET /status/tasks', page('/status/tasks'), pageMs);
    await time('filtered  GET /status/tasks?state=offline', page('/status/tasks?state=offline'), pageMs);
    await time(`task      GET /status/tasks/${sample}`, page(`/status/tasks/${sample}`), pageMs);
    console.log(
      `${kind}: ${TASKS} tasks; baselines: bare scan of every snapshot ${scanMs.toFixed(1)} ms, one bare page of 50 ${pageMs.toFixed(2)} ms`,
    );
    for (const v of views) {
      console.log(
        `  ${v.view.padEnd(44)} ${v.ms.toFixed(1).padStart(8)} ms  ${v.ratio.toFixed(2).padStart(6)}× baseline`,
      );
    }
    return { store: kind, tasks: TASKS, views };
  } finally {
    await h.close();
  }
}

export async function run(): Promise<StoreResult[]> {
  const dir = await mkdtemp(join(tmpdir(), 'lw-bench-status-'));
  const redis = await startRedisServer();
  try {
    const results = [await measureStore('sqlite', `sqlite:${join(dir, 'state.db')}`)];
    results.push(await measureStore('redis', redis.url));
    return results;
  } finally {
    await redis.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await run();
}
