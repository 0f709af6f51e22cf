import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { handleEvents } from '../../lib/alert/handle-events.js';
import { cleanupAfterEach } from '../support/cleanup-after-each.js';
import { type RemediateHarness, startRemediateHarness } from '../support/remediate-harness.js';
import { redisLeg, redisServerPerSuite, reportLegNotRun } from '../support/store-adapters.js';

const HOUR = 3_600_000;

describe('remediation on the Redis store', () => {
  // Under CI the Redis leg must run; elsewhere a missing redis-server is said plainly.
  if (reportLegNotRun('remediate-redis', redisLeg)) return;
  const redis = redisServerPerSuite();
  const cleanup = cleanupAfterEach();

  async function harness(emulator: { restartNewTaskId?: boolean } = {}): Promise<RemediateHarness> {
    return cleanup.close(
      await startRemediateHarness({
        env: {
          LIVEWATCH_STORE_URL: redis().url,
          LIVEWATCH_REDIS_PREFIX: `lwalert:${randomUUID()}:`,
          LIVEWATCH_BREAKER_THRESHOLD: '3',
        },
        emulator,
      }),
    );
  }

  function addOffline(harness: RemediateHarness, taskId: string, host = `${taskId}.example.com`): void {
    harness.emulator.addTask({
      taskId,
      region: 'cn-shanghai',
      sourceUrls: [`rtmp://${host}/live/${taskId}`],
      startAt: harness.clock.now() - HOUR,
      endAt: harness.clock.now() + HOUR,
    });
    harness.emulator.setTaskStatus(taskId, 3, 'PullStreamFailed');
  }

  it('restarts once for concurrent deliveries and follows a new TaskId (leases, claims, moveTask in Redis)', async () => {
    const r = await harness({ restartNewTaskId: true });
    addOffline(r, 'red-1');
    const event = r.eventFor('red-1', 'offline');
    await Promise.all([
      handleEvents(r.deps, [event]),
      handleEvents(r.deps, [event]),
      handleEvents(r.deps, [r.eventFor('red-1', 'offline', { source: 'poll' })]),
    ]);
    expect(r.calls('RestartLivePullToPush')).toHaveLength(1);
    const newId = r.emulator.tasks()[0]?.taskId ?? '';
    expect(newId).not.toBe('red-1');
    expect((await r.store.ledgers.get(r.key(newId)))?.value.lineage).toEqual(['red-1']);
    expect((await r.store.getHistory(r.key(newId)))[0]?.type).toBe('restart');
  });

  it('trips one breaker for a shared-source outage and pauses its restarts', async () => {
    const r = await harness();
    const ids = ['shared-a', 'shared-b', 'shared-c', 'shared-d'];
    for (const id of ids) addOffline(r, id, 'origin.example.com');
    const report = await handleEvents(
      r.deps,
      ids.map((id) => r.eventFor(id, 'offline')),
    );
    expect(report.outcomes.map((o) => o.action)).toEqual(['paused', 'paused', 'paused', 'paused']);
    expect(r.calls('RestartLivePullToPush')).toHaveLength(0);
    expect((await r.store.breakers.get('host:origin.example.com'))?.value.state).toBe('open');
    expect(r.notifier.of('MassFailure')).toHaveLength(1);
  });
});
