/**
 * Callback benchmark: `node bin/run-ts.js bench/callback.ts` (or `npm run bench -- callback`).
 *
 * Callbacks per second and p50/p99 latency through the local FC host (real HTTP on loopback, the real
 * callback function, a SQLite store in a temp dir and then a real redis-server, the in-process async
 * invoker) with concurrent senders and distinct events, beside a bare node:http server answering 200
 * (the machine's ceiling), as a ratio. The senders run in a child process of their own, the same one
 * for both servers, so neither server shares its CPU with the load generator; the server process's own
 * CPU time per request is reported beside (less sensitive to other load on the machine than req/s).
 * It then verifies that nothing was lost or duplicated: the alert function received exactly one event per
 * distinct callback, although a share of the callbacks was sent twice (as the Live service may).
 * Environment: BENCH_CALLBACKS (4000 distinct), BENCH_CONCURRENCY (32), BENCH_STORES.
 */

import { type ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';
import { Agent, createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { handler as callbackHandler } from '../functions/callback/index.js';
import { systemClock } from '../lib/clock.js';
import { loadConfig } from '../lib/config/config.js';
import type { TaskEvent } from '../lib/events/task-event.js';
import { silentLogger } from '../lib/log.js';
import { createRuntime, installRuntime } from '../lib/runtime.js';
import { createStore } from '../lib/store/create-store.js';
import { startLocalHost } from '../local/host/index.js';
import { recordFigure } from './support/bench-results.js';
import {
  type BenchStoreKind,
  benchStoreKinds,
  openBenchStore,
  stopBenchStores,
} from './support/bench-stores.js';

const TOKEN = 'bench-callback-token-0123456789';
const DISTINCT = Number(process.env.BENCH_CALLBACKS ?? 4_000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 32);
/** Share of callbacks sent a second time (duplicates must have no effect). */
const DUPLICATE_SHARE = 0.1;

export interface LoadFigures {
  readonly requests: number;
  readonly seconds: number;
  readonly perSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly non2xx: number;
  /** The server process's CPU time (user + system) per request, in µs; the senders' is not in it. */
  readonly serverCpuUsPerRequest: number;
}

/** What the sender child measures (the server's CPU is added by the parent). */
type SentFigures = Omit<LoadFigures, 'serverCpuUsPerRequest'>;

export interface CallbackBenchResult {
  readonly bare: LoadFigures;
  readonly livewatch: LoadFigures;
  readonly distinctSent: number;
  readonly duplicatesSent: number;
  readonly alertEvents: number;
  readonly lost: number;
  readonly duplicated: number;
}

/** Sends `bodies` with `concurrency` keep-alive senders; measures per-request latency. */
async function load(url: string, bodies: readonly string[], concurrency: number): Promise<SentFigures> {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const latencies: number[] = [];
  let next = 0;
  let non2xx = 0;
  const target = new URL(url);
  const send = (body: string) =>
    new Promise<number>((resolve, reject) => {
      const req = request(
        {
          agent,
          host: target.hostname,
          port: target.port,
          path: `${target.pathname}${target.search}`,
          method: 'POST',
          headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) },
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (;;) {
        const index = next;
        next += 1;
        const body = bodies[index];
        if (body === undefined) return;
        const t0 = performance.now();
        const status = await send(body);
        latencies.push(performance.now() - t0);
        if (status < 200 || status >= 300) non2xx += 1;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const quantile = (q: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
  return {
    requests: bodies.length,
    seconds,
    perSecond: bodies.length / seconds,
    p50Ms: quantile(0.5),
    p99Ms: quantile(0.99),
    non2xx,
  };
}

/** Distinct callbacks (task × status × time), with a share resent, shuffled deterministically. */
function callbackBodies(): { bodies: string[]; duplicates: number } {
  const distinct: string[] = [];
  for (let i = 0; i < DISTINCT; i += 1) {
    distinct.push(
      JSON.stringify({
        Event: 'LivePullToPushRuning',
        EventTime: String(1_767_225_600 + i),
        TaskId: `bench-task-${i % 500}`,
        TaskStatus: (i % 3) + 1,
        ...(i % 3 === 2 ? { TaskInvalidReason: 'PullStreamFailed' } : {}),
        TaskInfo: { TaskId: `bench-task-${i % 500}`, SourceType: 'live', SourceUrls: ['rtmp://src/app/s'] },
      }),
    );
  }
  const duplicates = Math.floor(DISTINCT * DUPLICATE_SHARE);
  const bodies = [...distinct, ...distinct.slice(0, duplicates)];
  // Deterministic shuffle (LCG) so duplicates interleave with first deliveries.
  let seed = 42;
  for (let i = bodies.length - 1; i > 0; i -= 1) {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    const j = seed % (i + 1);
    [bodies[i], bodies[j]] = [bodies[j] as string, bodies[i] as string];
  }
  return { bodies, duplicates };
}

/** A load job for the sender child: the first `count` of the bodies it was given, to `url`. */
interface SendJob {
  readonly url: string;
  readonly count: number;
  readonly concurrency: number;
}

/** The load generator, in a child process of its own; one for the whole run (warmed up once). */
interface Sender {
  /** Runs `count` requests to `url`; the server process's CPU time is measured until `settled` resolves. */
  send(url: string, count: number, settled?: () => Promise<void>): Promise<LoadFigures>;
  close(): Promise<void>;
}

async function startSender(bodies: readonly string[]): Promise<Sender> {
  const child: ChildProcess = fork(resolve('bin/run-ts.js'), [fileURLToPath(import.meta.url), '--sender'], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  // The bodies travel once, before any measured run, so no run pays for their transfer.
  child.send({ bodies });
  return {
    async send(url, count, settled) {
      const cpuBefore = process.cpuUsage();
      const reply = once(child, 'message');
      child.send({ url, count, concurrency: CONCURRENCY } satisfies SendJob);
      const [sent] = (await reply) as [SentFigures];
      await settled?.();
      const cpu = process.cpuUsage(cpuBefore);
      return { ...sent, serverCpuUsPerRequest: (cpu.user + cpu.system) / count };
    },
    async close() {
      const exited = once(child, 'exit');
      child.disconnect();
      await exited;
    },
  };
}

/** In the sender child: keeps the bodies, answers each job with its figures. */
function serveAsSender(): void {
  let bodies: readonly string[] = [];
  process.on('message', (message: { bodies: string[] } | SendJob) => {
    if ('bodies' in message) {
      bodies = message.bodies;
      return;
    }
    void load(message.url, bodies.slice(0, message.count), message.concurrency).then((figures) =>
      process.send?.(figures),
    );
  });
}

async function measureBare(sender: Sender, count: number): Promise<LoadFigures> {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end('{"ok":true}');
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  try {
    return await sender.send(`http://127.0.0.1:${port}/callback/x`, count);
  } finally {
    server.closeAllConnections();
    await new Promise<void>((done) => server.close(() => done()));
  }
}

async function measureLivewatch(sender: Sender, count: number, kind: BenchStoreKind) {
  const location = await openBenchStore(kind);
  const config = loadConfig({
    ...location.env,
    LIVEWATCH_CALLBACK_TOKENS: TOKEN,
    LIVEWATCH_LIVE_REGIONS: 'cn-shanghai',
    LIVEWATCH_LOG_LEVEL: 'error',
  });
  const received: TaskEvent[] = [];
  const host = await startLocalHost({
    runtime: { config },
    handlers: {
      callback: callbackHandler,
      alert: async (event) => {
        received.push(...(JSON.parse(event.toString('utf8')) as TaskEvent[]));
      },
    },
    pollIntervalMs: 0,
    tickIntervalMs: 0,
    log: silentLogger,
  });
  const runtime = await createRuntime({
    config,
    clock: systemClock,
    log: silentLogger,
    store: await createStore(config.LIVEWATCH_STORE_URL, { redisPrefix: config.LIVEWATCH_REDIS_PREFIX }),
    invoker: host.invoker,
  });
  installRuntime(runtime);
  try {
    // The CPU window includes handing every event to the alert function (the async invoker's queue).
    const figures = await sender.send(`${host.url}/callback/${TOKEN}?region=cn-shanghai`, count, () =>
      host.drain(),
    );
    return { figures, received };
  } finally {
    installRuntime(undefined);
    await host.close();
    await runtime.close();
    await location.dispose();
  }
}

export async function run(): Promise<CallbackBenchResult[]> {
  const { bodies, duplicates } = callbackBodies();
  const sender = await startSender(bodies);
  const results: CallbackBenchResult[] = [];
  try {
    // Warm up the sender and the server process (JIT) so the measured runs compare like with like.
    await measureBare(sender, Math.min(bodies.length, 2_000));
    for (const kind of benchStoreKinds()) {
      const bare = await measureBare(sender, bodies.length);
      const { figures: livewatch, received } = await measureLivewatch(sender, bodies.length, kind);
      const keys = received.map((event) => event.key);
      const unique = new Set(keys).size;
      const result: CallbackBenchResult = {
        bare,
        livewatch,
        distinctSent: DISTINCT,
        duplicatesSent: duplicates,
        alertEvents: received.length,
        lost: DISTINCT - unique,
        duplicated: keys.length - unique,
      };
      report(kind, result);
      results.push(result);
    }
  } finally {
    await sender.close();
  }
  return results;
}

function report(kind: BenchStoreKind, result: CallbackBenchResult): void {
  const { bare, livewatch } = result;
  const row = (figures: LoadFigures) => ({
    requests: figures.requests,
    'req/s': Math.round(figures.perSecond),
    'p50 ms': Number(figures.p50Ms.toFixed(2)),
    'p99 ms': Number(figures.p99Ms.toFixed(2)),
    'server CPU µs/req': Math.round(figures.serverCpuUsPerRequest),
    non2xx: figures.non2xx,
  });
  console.log(
    `${CONCURRENCY} concurrent senders, ${DISTINCT} distinct callbacks + ${result.duplicatesSent} resent duplicates (${kind})`,
  );
  console.table({ 'bare node:http 200': row(bare), [`livewatch (local FC host + ${kind})`]: row(livewatch) });
  const throughput = livewatch.perSecond / bare.perSecond;
  const p50 = livewatch.p50Ms / bare.p50Ms;
  const p99 = livewatch.p99Ms / bare.p99Ms;
  const cpu = livewatch.serverCpuUsPerRequest / bare.serverCpuUsPerRequest;
  console.table({
    throughput: { ratio: `${throughput.toFixed(3)}× of bare` },
    'p50 latency': { ratio: `${p50.toFixed(1)}× of bare` },
    'p99 latency': { ratio: `${p99.toFixed(1)}× of bare` },
    'server CPU per request': { ratio: `${cpu.toFixed(1)}× of bare` },
  });
  console.table({
    'alert events': {
      sent: DISTINCT,
      received: result.alertEvents,
      lost: result.lost,
      duplicated: result.duplicated,
    },
  });
  const common = { bench: 'callback', store: kind } as const;
  recordFigure({
    ...common,
    figure: 'callbacks/s through the local host + store, vs bare node:http',
    value: livewatch.perSecond,
    unit: 'req/s',
    bound: bare.perSecond,
    ratio: throughput,
    goal: '≥ 0.60× (higher is better)',
    met: throughput >= 0.6,
    note: `${result.lost} lost, ${result.duplicated} duplicated`,
  });
  recordFigure({
    ...common,
    figure: 'callback p50 latency vs bare',
    value: livewatch.p50Ms,
    unit: 'ms',
    bound: bare.p50Ms,
    ratio: p50,
  });
  recordFigure({
    ...common,
    figure: 'callback p99 latency vs bare',
    value: livewatch.p99Ms,
    unit: 'ms',
    bound: bare.p99Ms,
    ratio: p99,
    goal: '≤ 1.50×',
    met: p99 <= 1.5,
  });
  recordFigure({
    ...common,
    figure: 'callback server CPU per request vs bare',
    value: livewatch.serverCpuUsPerRequest,
    unit: 'µs',
    bound: bare.serverCpuUsPerRequest,
    ratio: cpu,
  });
  if (result.lost !== 0 || result.duplicated !== 0 || livewatch.non2xx !== 0) {
    throw new Error(
      `callback bench (${kind}): ${result.lost} lost, ${result.duplicated} duplicated, ${livewatch.non2xx} non-2xx answers`,
    );
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href && process.argv.includes('--sender')) {
  serveAsSender();
} else if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  try {
    await run();
  } finally {
    // Run alone, the shared redis-server would keep the process alive.
    await stopBenchStores();
  }
}
