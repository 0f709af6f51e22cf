/**
 * A child process for the store's multi-process tests: `node --import tsx test/support/store-worker.ts '<json>'`.
 * It opens the store at the given location, prints `ready`, waits for `go` on stdin (so every worker
 * starts together), then:
 * - `rate`: hammers acquireRate with real time for `durationMs`, then prints
 *   `grants {"grants": ms[], "firstAttempt": ms, "lastAttempt": ms}`;
 * - `claim`: opens `claimers` connections that claim one key at once, prints `wins <n>`;
 * - `commit`: puts numbered documents forever, printing `committed <n>` after each resolves
 *   (the durability test SIGKILLs it mid-loop);
 * - `thaw`: one claim after `go` (the test freezes the worker before), prints `claimed <bool>` or fails.
 */
import { createInterface } from 'node:readline';
import { z } from 'zod';
import { createStore } from '../../lib/store/create-store.js';
import type { Store } from '../../lib/store/store.js';

const Location = { url: z.string().min(1), redisPrefix: z.string().min(1).optional() };
const Job = z.discriminatedUnion('mode', [
  z.object({
    mode: z.literal('rate'),
    ...Location,
    key: z.string().min(1),
    limit: z.number().int().min(1),
    windowMs: z.number().int().min(1),
    durationMs: z.number().int().min(1),
  }),
  z.object({
    mode: z.literal('claim'),
    ...Location,
    key: z.string().min(1),
    claimers: z.number().int().min(1),
  }),
  z.object({ mode: z.literal('commit'), ...Location }),
  z.object({ mode: z.literal('thaw'), ...Location }),
]);
type Job = z.infer<typeof Job>;

function open(job: Job): Promise<Store> {
  return createStore(job.url, job.redisPrefix === undefined ? {} : { redisPrefix: job.redisPrefix });
}

function waitForGo(): Promise<void> {
  return new Promise((resolve) => {
    const lines = createInterface({ input: process.stdin });
    lines.on('line', (line) => {
      if (line.trim() === 'go') {
        lines.close();
        // An open stdin would keep the worker alive after its job is done.
        process.stdin.destroy();
        resolve();
      }
    });
  });
}

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function main(): Promise<void> {
  const job = Job.parse(JSON.parse(process.argv[2] ?? '{}'));
  if (job.mode === 'rate') {
    const store = await open(job);
    process.stdout.write('ready\n');
    await waitForGo();
    const grants: number[] = [];
    const firstAttempt = Date.now();
    let lastAttempt = firstAttempt;
    const end = Date.now() + job.durationMs;
    while (Date.now() < end) {
      const now = Date.now();
      lastAttempt = now;
      const wait = await store.acquireRate(job.key, job.limit, job.windowMs, now);
      if (wait === 0) grants.push(now);
      // Waiting out the window is the behaviour under test (the rate limiter's own back-off).
      else await delay(Math.min(wait, Math.max(0, end - Date.now())));
    }
    await store.close();
    process.stdout.write(`grants ${JSON.stringify({ grants, firstAttempt, lastAttempt })}\n`);
  } else if (job.mode === 'claim') {
    const stores = await Promise.all(Array.from({ length: job.claimers }, () => open(job)));
    process.stdout.write('ready\n');
    await waitForGo();
    const results = await Promise.all(stores.map((store) => store.claim(job.key, 60_000, Date.now())));
    await Promise.all(stores.map((store) => store.close()));
    process.stdout.write(`wins ${results.filter(Boolean).length}\n`);
  } else if (job.mode === 'thaw') {
    const store = await open(job);
    await store.ping();
    process.stdout.write('ready\n');
    await waitForGo();
    const claimed = await store.claim('thawed', 60_000, Date.now());
    await store.close();
    process.stdout.write(`claimed ${String(claimed)}\n`);
  } else {
    const store = await open(job);
    process.stdout.write('ready\n');
    await waitForGo();
    for (let n = 1; ; n += 1) {
      const key = `relay:cn-shanghai:${String(n).padStart(8, '0')}`;
      await store.forwards.put(key, { originalUrl: `http://origin/${n}`, since: n }, null);
      await store.appendHistory(key, { at: n, type: 'event', message: `commit ${n}` });
      process.stdout.write(`committed ${n}\n`);
    }
  }
}

main().catch((error: unknown) => {
  process.stderr.write(
    `store-worker failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}${
      error instanceof Error && error.cause !== undefined ? `\ncause: ${String(error.cause)}` : ''
    }\n`,
  );
  process.exitCode = 1;
});
