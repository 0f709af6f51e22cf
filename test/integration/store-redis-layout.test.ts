import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStore } from '../../lib/store/create-store.js';
import type { Store } from '../../lib/store/store.js';
import { emptyLedger } from '../support/empty-ledger.js';
import { type RedisServer, startRedisServer } from '../support/redis-server.js';
import { redisLeg, reportLegNotRun } from '../support/store-adapters.js';

const ledger = emptyLedger('a');

describe('redis store key layout', () => {
  if (reportLegNotRun('store-redis-layout', redisLeg)) return;

  let server: RedisServer;
  let store: Store;
  let redis: Redis;
  beforeAll(async () => {
    server = await startRedisServer();
    store = await createStore(server.url, { redisPrefix: '{lw-a}:' });
    redis = new Redis(server.url);
  });
  afterAll(async () => {
    await store.close();
    redis.disconnect();
    await server.stop();
  });

  it('keeps every key under the prefix, with TTLs on claims, leases and rate logs only', async () => {
    const now = Date.now();
    await store.claim('cb:1', 60_000, now);
    await store.acquireLease('task:a', 'me', 30_000, now);
    await store.acquireRate('acct:Describe', 10, 1_000, now);
    await store.ledgers.put('relay:r:a', ledger, null);
    await store.appendHistory('relay:r:a', { at: now, type: 'event', message: 'x' });
    await store.enqueueOutbox({ id: 'm1', channel: 'slack', payload: {}, dueAt: now, createdAt: now });
    await store.putHeartbeat({ lastSuccessAt: now, durationMs: 1, complete: true, counts: {}, apiCalls: 0 });

    const keys = (await redis.keys('*')).sort();
    expect(keys).toEqual([
      '{lw-a}:claim:cb:1',
      '{lw-a}:doc:ledgers',
      '{lw-a}:history:relay:r:a',
      '{lw-a}:lease:task:a',
      '{lw-a}:outbox:due',
      '{lw-a}:outbox:msg:m1',
      '{lw-a}:poller:heartbeat',
      '{lw-a}:rate:acct:Describe',
    ]);
    for (const key of ['{lw-a}:claim:cb:1', '{lw-a}:lease:task:a', '{lw-a}:rate:acct:Describe']) {
      expect(await redis.pttl(key), key).toBeGreaterThan(0);
    }
    for (const key of ['{lw-a}:doc:ledgers', '{lw-a}:history:relay:r:a', '{lw-a}:outbox:msg:m1']) {
      expect(await redis.pttl(key), key).toBe(-1);
    }
    expect(await redis.hget('{lw-a}:doc:ledgers', 'relay:r:a')).toBe(
      `{"version":1,"v":${JSON.stringify(ledger)}}`,
    );
  });

  it('drops an outbox index entry whose message was deleted, and still hands out the others', async () => {
    const now = Date.now();
    await store.enqueueOutbox({ id: 'gone', channel: 'slack', payload: {}, dueAt: now - 10, createdAt: now });
    await store.enqueueOutbox({
      id: 'kept',
      channel: 'slack',
      payload: { a: 1 },
      dueAt: now,
      createdAt: now,
    });
    await redis.del('{lw-a}:outbox:msg:gone');
    const taken = await store.takeDueOutbox(now, 10, 30_000);
    expect(taken.map((message) => message.id)).toEqual(['m1', 'kept']);
    expect(await redis.zscore('{lw-a}:outbox:due', 'gone')).toBeNull();
  });
});
