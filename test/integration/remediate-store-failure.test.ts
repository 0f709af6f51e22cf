import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { handleEvents } from '../../lib/alert/handle-events.js';
import { runTick } from '../../lib/alert/run-tick.js';
import { StoreUnavailableError } from '../../lib/errors.js';
import { TASK_LEASE_MS } from '../../lib/remediate/task-lease.js';
import { type RedisServer, redisServerMissingReason, startRedisServer } from '../support/redis-server.js';
import { type RemediateHarness, startRemediateHarness } from '../support/remediate-harness.js';

// Under CI the Redis leg must run; elsewhere a missing redis-server is said plainly by the test below.
const missing = process.env.CI ? undefined : redisServerMissingReason();

/**
 * A store failure right after the Restart call (docs/alert.md, "Ledger states"): a real redis-server
 * hangs (SIGSTOP) between the call's answer and the outcome's write. The write-ahead intent survives,
 * and the next invocation counts the restart once and sends its notice once.
 */
describe('store failure between the Restart call and the ledger write (Redis)', () => {
  let redis: RedisServer | undefined;
  let h: RemediateHarness | undefined;
  beforeAll(async () => {
    if (missing === undefined) redis = await startRedisServer();
  });
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });
  afterAll(async () => {
    await redis?.stop();
  });

  if (missing !== undefined) {
    it('did not run: redis-server is not installed here (it must run under CI)', () => {
      expect(missing).toMatch(/redis-server/);
    });
    return;
  }

  it('the next invocation verifies, counts the restart once and sends one notice', async () => {
    const server = redis;
    if (server?.pid === undefined) throw new Error('redis-server not started');
    const pid = server.pid;
    const r = await startRemediateHarness({
      env: { LIVEWATCH_STORE_URL: server.url, LIVEWATCH_REDIS_PREFIX: `lwfail:${randomUUID()}:` },
    });
    h = r;
    r.addRunningTask('store-fail');
    r.emulator.setTaskStatus('store-fail', 3, 'PullStreamFailed');
    const failing = {
      ...r.deps,
      testCrashPoint: () => {
        process.kill(pid, 'SIGSTOP');
      },
    };

    try {
      await expect(handleEvents(failing, [r.eventFor('store-fail', 'offline')])).rejects.toBeInstanceOf(
        StoreUnavailableError,
      );
    } finally {
      process.kill(pid, 'SIGCONT');
    }
    expect(r.calls('RestartLivePullToPush')).toHaveLength(1);
    const left = (await r.store.ledgers.get(r.key('store-fail')))?.value;
    expect(left).toMatchObject({ restarts: [], attempt: { state: 'intent' } });

    r.clock.advance(TASK_LEASE_MS);
    const tick = await runTick(r.deps);
    expect(tick.outcomes).toMatchObject([{ action: 'healthy', taskId: 'store-fail' }]);
    await runTick(r.deps);

    expect(r.calls('RestartLivePullToPush')).toHaveLength(1);
    const ledger = (await r.store.ledgers.get(r.key('store-fail')))?.value;
    expect(ledger?.restarts).toEqual([left?.attempt?.at]);
    expect(ledger).not.toHaveProperty('attempt');
    const ids = new Set<string>();
    for (const { value } of await r.store.groups.list()) {
      for (const id of Object.keys(value.alerts)) if (id.includes(':restart:')) ids.add(id);
    }
    expect([...ids]).toEqual([`${r.key('store-fail')}:restart:${left?.attempt?.at}`]);
  }, 30_000);
});
