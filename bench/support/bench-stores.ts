import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RedisServer, startRedisServer } from '../../test/support/redis-server.js';

export type BenchStoreKind = 'sqlite' | 'redis';

/** A fresh, empty store for one run: its URL (and Redis key prefix) and how to throw it away. */
export interface BenchStore {
  readonly kind: BenchStoreKind;
  readonly url: string;
  /** Settings that point livewatch at it (`LIVEWATCH_STORE_URL`, `LIVEWATCH_REDIS_PREFIX`). */
  readonly env: Readonly<Record<string, string>>;
  readonly redisPrefix?: string;
  dispose(): Promise<void>;
}

/**
 * The stores every benchmark runs on: SQLite (the embedded default) and a real `redis-server` (what
 * the cloud uses, one network round trip per operation). `BENCH_STORES=sqlite` picks a subset.
 */
export function benchStoreKinds(): BenchStoreKind[] {
  const wanted = (process.env.BENCH_STORES ?? 'sqlite,redis').split(',').map((s) => s.trim());
  return (['sqlite', 'redis'] as const).filter((kind) => wanted.includes(kind));
}

let redis: RedisServer | undefined;

/** Opens a fresh store of `kind` (one redis-server is shared by the whole bench run, with a fresh prefix). */
export async function openBenchStore(kind: BenchStoreKind): Promise<BenchStore> {
  if (kind === 'sqlite') {
    const dir = await mkdtemp(join(tmpdir(), 'livewatch-bench-store-'));
    const url = `sqlite:${join(dir, 'state.db')}`;
    return {
      kind,
      url,
      env: { LIVEWATCH_STORE_URL: url },
      dispose: () => rm(dir, { recursive: true, force: true }),
    };
  }
  redis ??= await startRedisServer();
  const redisPrefix = `bench:${randomUUID()}:`;
  return {
    kind,
    url: redis.url,
    redisPrefix,
    env: { LIVEWATCH_STORE_URL: redis.url, LIVEWATCH_REDIS_PREFIX: redisPrefix },
    dispose: async () => undefined,
  };
}

/** Stops the shared redis-server (end of the bench run). */
export async function stopBenchStores(): Promise<void> {
  await redis?.stop();
  redis = undefined;
}
