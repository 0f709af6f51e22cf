import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createStore } from '../../lib/store/create-store.js';
import type { Store } from '../../lib/store/store.js';
import { type RedisServer, redisServerMissingReason, startRedisServer } from './redis-server.js';

/** Where a fresh, empty store lives: pass it to `openStore` (several times for several connections). */
export interface StoreLocation {
  readonly url: string;
  readonly redisPrefix?: string;
}

/**
 * One leg of the store suites. Call `start` in beforeAll and `stop` in afterAll; `fresh()` gives a
 * new empty location (a new SQLite file, or a new Redis key prefix on the shared test server).
 */
export interface StoreAdapterCase {
  readonly name: 'sqlite' | 'redis';
  /** Why this leg cannot run on this machine (never set under CI: there the leg must run). */
  readonly missing: string | undefined;
  start(): Promise<void>;
  stop(): Promise<void>;
  fresh(): StoreLocation;
  /** The redis-server of the redis leg (for outage tests); undefined for sqlite. */
  readonly redis: RedisServer | undefined;
}

export function openStore(location: StoreLocation): Promise<Store> {
  return createStore(
    location.url,
    location.redisPrefix === undefined ? {} : { redisPrefix: location.redisPrefix },
  );
}

function sqliteCase(): StoreAdapterCase {
  let dir: string | undefined;
  return {
    name: 'sqlite',
    missing: undefined,
    redis: undefined,
    async start() {
      dir = mkdtempSync(join(tmpdir(), 'livewatch-store-'));
    },
    async stop() {
      if (dir) rmSync(dir, { recursive: true, force: true });
    },
    fresh() {
      if (!dir) throw new Error('sqliteCase.start() was not called');
      return { url: `sqlite:${join(dir, `${randomUUID()}.db`)}` };
    },
  };
}

/**
 * The Redis leg of a suite that runs on Redis only. Under CI it must run, so a missing binary is not
 * excused there: starting the server will fail instead.
 */
export const redisLeg = {
  name: 'redis',
  missing: process.env.CI ? undefined : redisServerMissingReason(),
} as const;

/**
 * One redis-server for the enclosing describe of a Redis-only suite, started before its tests and
 * stopped after them; call it once `reportLegNotRun(suite, redisLeg)` said the leg runs. The
 * returned function gives the running server inside a test.
 */
export function redisServerPerSuite(): () => RedisServer {
  let server: RedisServer | undefined;
  beforeAll(async () => {
    server = await startRedisServer();
  });
  afterAll(async () => {
    await server?.stop();
  });
  return () => {
    if (server === undefined) throw new Error('redis-server not started (use it inside a test)');
    return server;
  };
}

function redisCase(): StoreAdapterCase {
  const { missing } = redisLeg;
  let server: RedisServer | undefined;
  return {
    name: 'redis',
    missing,
    get redis() {
      return server;
    },
    async start() {
      server = await startRedisServer();
    },
    async stop() {
      await server?.stop();
    },
    fresh() {
      if (!server) throw new Error('redisCase.start() was not called');
      return { url: server.url, redisPrefix: `lwtest:${randomUUID()}:` };
    },
  };
}

/**
 * Registers, in place of a leg that cannot run here, one test that says so loudly (and fails under
 * CI, where every leg must run). Returns true when the caller should register nothing else.
 * @example if (reportLegNotRun('store-contract', adapter)) return;
 */
export function reportLegNotRun(suite: string, adapter: Pick<StoreAdapterCase, 'name' | 'missing'>): boolean {
  const { missing } = adapter;
  if (missing === undefined) return false;
  it(`did NOT run the ${adapter.name} leg: ${missing}`, () => {
    console.warn(`[${suite}] ${adapter.name} leg not run: ${missing}`);
    expect(process.env.CI).toBeFalsy();
  });
  return true;
}

export function storeAdapterCases(): StoreAdapterCase[] {
  return [sqliteCase(), redisCase()];
}
