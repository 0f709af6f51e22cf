import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { handleEvents } from '../../lib/alert/handle-events.js';
import { runTick } from '../../lib/alert/run-tick.js';
import { StoreUnavailableError } from '../../lib/errors.js';
import { TASK_LEASE_MS } from '../../lib/remediate/task-lease.js';
import { cleanupAfterEach } from '../support/cleanup-after-each.js';
import { startRemediateHarness } from '../support/remediate-harness.js';
import { redisLeg, redisServerPerSuite, reportLegNotRun } from '../support/store-adapters.js';

/**
 * A store failure right after the Restart call (docs/alert.md, "Ledger states"): a real redis-server
 * hangs (SIGSTOP) between the call's answer and the outcome's write. The write-ahead intent survives,
 * and the next invocation counts the restart once and sends its notice once.
 */
describe('store failure between the Restart call and the ledger write (Redis)', () => {
  // Under CI the Redis leg must run; elsewhere a missing redis-server is said plainly.
  if (reportLegNotRun('remediate-store-failure', redisLeg)) return;
  const redis = redisServerPerSuite();
  const cleanup = cleanupAfterEach();

  it('the next invocation verifies, counts the restart once and sends one notice', async () => {
    const server = redis();
    const pid = server.pid;
    if (pid === undefined) throw new Error('redis-server has no pid');
    const r = cleanup.close(
      await startRemediateHarness({
        env: { LIVEWATCH_STORE_URL: server.url, LIVEWATCH_REDIS_PREFIX: `lwfail:${randomUUID()}:` },
      }),
    );
    r.addOfflineTask('store-fail');
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
