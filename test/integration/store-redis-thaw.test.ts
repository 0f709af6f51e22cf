import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { StoreUnavailableError } from '../../lib/errors.js';
import { createLogger } from '../../lib/log.js';
import { openRedisStore } from '../../lib/store/redis-store.js';
import type { Store } from '../../lib/store/store.js';
import { type RedisServer, startRedisServer } from '../support/redis-server.js';
import { redisLeg, reportLegNotRun } from '../support/store-adapters.js';
import { spawnStoreWorker } from '../support/store-workers.js';

/** A store whose log lines are kept, and a promise for the next "connection lost" line. */
async function openWatchedStore(url: string, prefix: string) {
  const lines: string[] = [];
  const waiters: Array<() => void> = [];
  const log = createLogger({
    level: 'debug',
    sink: (line) => {
      lines.push(line);
      if (line.includes('redis store connection lost')) for (const wake of waiters.splice(0)) wake();
    },
  });
  const store = await openRedisStore({ url, prefix, log });
  const connectionLost = () => new Promise<void>((resolve) => waiters.push(resolve));
  return { store, lines, connectionLost };
}

/** CLIENT KILL every client but the admin connection itself: what a server-side idle timeout does. */
async function killClients(admin: Redis): Promise<number> {
  return Number(await admin.call('CLIENT', 'KILL', 'TYPE', 'normal', 'SKIPME', 'yes'));
}

describe('redis store after a thaw', () => {
  if (reportLegNotRun('store-redis-thaw', redisLeg)) return;

  let server: RedisServer;
  let admin: Redis;
  const stores: Store[] = [];
  beforeAll(async () => {
    server = await startRedisServer();
    admin = new Redis(server.url);
  });
  afterEach(async () => {
    await Promise.all(stores.splice(0).map((store) => store.close()));
  });
  afterAll(async () => {
    admin.disconnect();
    await server.stop();
  });

  it('the first call after the server closed the connection reconnects and succeeds', async () => {
    const { store, connectionLost } = await openWatchedStore(server.url, 'thaw-a:');
    stores.push(store);
    expect(await store.claim('before', 60_000, Date.now())).toBe(true);

    const lost = connectionLost();
    expect(await killClients(admin)).toBeGreaterThanOrEqual(1);
    // The client has seen the close and is waiting out its retry delay, as on a thaw.
    await lost;
    expect(await store.claim('after', 60_000, Date.now())).toBe(true);
    expect(await store.claim('after', 60_000, Date.now())).toBe(false);
  });

  it('a paused server that closed the connection while paused: the first call after the resume succeeds', async () => {
    const { store, connectionLost } = await openWatchedStore(server.url, 'thaw-b:');
    stores.push(store);
    await store.ping();
    const pid = server.pid;
    if (pid === undefined) throw new Error('redis-server has no pid');

    process.kill(pid, 'SIGSTOP');
    try {
      // While the server hangs a call fails within the command timeout, never hangs.
      const error = await store.ping().catch((failure: unknown) => failure);
      expect(error).toBeInstanceOf(StoreUnavailableError);
    } finally {
      process.kill(pid, 'SIGCONT');
    }
    const lost = connectionLost();
    await killClients(admin);
    await lost;
    expect(await store.claim('resumed', 60_000, Date.now())).toBe(true);
  });

  it('several calls issued at once after the close all succeed on the one new connection', async () => {
    const { store, connectionLost } = await openWatchedStore(server.url, 'thaw-c:');
    stores.push(store);
    await store.ping();
    const lost = connectionLost();
    await killClients(admin);
    await lost;
    const results = await Promise.all(
      ['a', 'b', 'c', 'd'].map((key) => store.claim(key, 60_000, Date.now())),
    );
    expect(results).toEqual([true, true, true, true]);
  });

  it('a frozen process (SIGSTOP) whose connection was killed meanwhile succeeds on its first call after SIGCONT', async () => {
    const worker = spawnStoreWorker({ mode: 'thaw', url: server.url, redisPrefix: 'thaw-d:' });
    try {
      await worker.waitForLine('ready');
      const pid = worker.child.pid;
      if (pid === undefined) throw new Error('worker has no pid');
      process.kill(pid, 'SIGSTOP');
      try {
        expect(await killClients(admin)).toBeGreaterThanOrEqual(1);
      } finally {
        process.kill(pid, 'SIGCONT');
      }
      worker.go();
      expect(await worker.waitForLine('claimed')).toBe('claimed true');
      expect(await worker.exited()).toBe(0);
    } finally {
      worker.child.kill('SIGKILL');
    }
  });
});
