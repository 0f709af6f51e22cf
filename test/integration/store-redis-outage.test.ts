import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StoreUnavailableError } from '../../lib/errors.js';
import { createStore } from '../../lib/store/create-store.js';
import type { Store } from '../../lib/store/store.js';
import { emptyLedger } from '../support/empty-ledger.js';
import { type RedisServer, startRedisServer } from '../support/redis-server.js';
import { redisLeg, reportLegNotRun } from '../support/store-adapters.js';

const ledger = emptyLedger('a');

async function failureOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => undefined,
    (error: unknown) => error,
  );
}

describe('redis store outage', () => {
  if (reportLegNotRun('store-redis-outage', redisLeg)) return;

  let server: RedisServer;
  let store: Store;
  beforeAll(async () => {
    server = await startRedisServer();
    store = await createStore(server.url, { redisPrefix: 'outage:' });
  });
  afterAll(async () => {
    await store.close();
    await server.stop();
  });

  it('rejects operations with StoreUnavailableError while Redis is down, and recovers when it is back', async () => {
    expect(await store.claim('before', 60_000, Date.now())).toBe(true);
    await server.stop();

    for (const [operation, call] of [
      ['claim', () => store.claim('during', 60_000, Date.now())],
      ['ledgers.put', () => store.ledgers.put('k', ledger, null)],
      ['takeDueOutbox', () => store.takeDueOutbox(Date.now(), 10, 30_000)],
      ['acquireRate', () => store.acquireRate('k', 10, 1_000, Date.now())],
      ['ping', () => store.ping()],
    ] as const) {
      const error = await failureOf(call());
      expect(error, operation).toBeInstanceOf(StoreUnavailableError);
      expect((error as StoreUnavailableError).operation).toBe(operation);
      expect((error as StoreUnavailableError).cause).toBeInstanceOf(Error);
    }

    // Same port, empty data: the client reconnects in the background and the store works again.
    server = await startRedisServer({ port: server.port });
    let lastError: unknown;
    for (let attempt = 0; attempt < 100; attempt += 1) {
      lastError = await failureOf(store.ping());
      if (lastError === undefined) break;
      // Polling the real condition (the client's reconnect loop); bounded to about 10 s.
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(lastError).toBeUndefined();
    expect(await store.claim('after', 60_000, Date.now())).toBe(true);
  });

  it('rejects with StoreUnavailableError when Redis hangs, instead of waiting forever', async () => {
    const pid = server.pid;
    if (pid === undefined) throw new Error('redis-server has no pid');
    process.kill(pid, 'SIGSTOP');
    try {
      const error = await failureOf(store.acquireLease('task:a', 'me', 30_000, Date.now()));
      expect(error).toBeInstanceOf(StoreUnavailableError);
      expect((error as StoreUnavailableError).operation).toBe('acquireLease');
      expect(String((error as StoreUnavailableError).cause)).toMatch(/timed out/i);
    } finally {
      process.kill(pid, 'SIGCONT');
    }
    expect(await store.acquireLease('task:b', 'me', 30_000, Date.now())).toBe(true);
  });

  it('fails to open with StoreUnavailableError when nothing listens', async () => {
    const probe = await startRedisServer();
    const url = probe.url;
    await probe.stop();
    const error = await failureOf(createStore(url));
    expect(error).toBeInstanceOf(StoreUnavailableError);
    expect((error as StoreUnavailableError).operation).toBe('open');
  });
});
