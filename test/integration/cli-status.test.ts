import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli-process.js';
import { emptyLedger } from '../support/empty-ledger.js';
import { type RemediateHarness, startRemediateHarness } from '../support/remediate-harness.js';
import { putOpenBreaker } from '../support/status-harness.js';

/** `livewatch status`: a task whose restarts an open breaker holds is "paused", not "due". */
let h: RemediateHarness;

afterEach(async () => {
  await h?.close();
});

async function offlineTask(taskId: string, host: string, nextAttemptAt: number): Promise<void> {
  const now = Date.now();
  await h.store.snapshots.put(
    h.key(taskId),
    {
      resource: {
        kind: 'relay',
        taskId,
        region: 'cn-shanghai',
        name: taskId,
        status: 3,
        state: 'offline',
        invalidReason: 'PullStreamFailed',
        sourceUrls: [`rtmp://${host}/live/${taskId}`],
      },
      observedAt: now - 60_000,
      stateSince: now - 60_000,
    },
    null,
  );
  await h.store.ledgers.put(
    h.key(taskId),
    {
      taskId,
      region: 'cn-shanghai',
      restarts: [],
      consecutive: 1,
      needsPerson: false,
      lineage: [],
      nextAttemptAt,
    },
    null,
  );
}

describe('livewatch status and breakers', () => {
  it('shows the tasks an open breaker holds as paused, the probe and other tasks by their ledger', async () => {
    h = await startRemediateHarness({ start: Date.now() });
    const past = Date.now() - 5_000;
    await offlineTask('held-1', 'down.example.com', past);
    await offlineTask('probe-1', 'down.example.com', past);
    await offlineTask('free-1', 'up.example.com', past);
    await putOpenBreaker(h.store, 'host:down.example.com', Date.now() - 10_000, {
      state: 'half-open',
      probeTaskKey: h.key('probe-1'),
    });
    const env = { PATH: process.env.PATH ?? '', ...h.env };

    const text = await runCli(['status'], { env });
    expect(text.code).toBe(3);
    expect(text.stdout).toMatch(/^held-1 .* paused \(breaker host:down\.example\.com\)/m);
    expect(text.stdout).toMatch(/^probe-1 .* due/m);
    expect(text.stdout).toMatch(/^free-1 .* due/m);

    const json = JSON.parse((await runCli(['status', '--json'], { env })).stdout) as {
      attention: Array<{ taskId: string; pausedBy?: string }>;
    };
    const pausedBy = Object.fromEntries(json.attention.map((item) => [item.taskId, item.pausedBy]));
    expect(pausedBy).toEqual({
      'held-1': 'host:down.example.com',
      'probe-1': undefined,
      'free-1': undefined,
    });
  });

  it('lists a running task whose restart outcome is unknown or whose verification was given up on', async () => {
    h = await startRemediateHarness({ start: Date.now() });
    const now = Date.now();
    const ledger = (taskId: string) => emptyLedger(taskId);
    await h.store.ledgers.put(
      h.key('unsure-1'),
      {
        ...ledger('unsure-1'),
        attempt: { at: now - 1_000, number: 1, state: 'unknown', action: 'RestartLivePullToPush' },
      },
      null,
    );
    await h.store.ledgers.put(
      h.key('unverified-1'),
      {
        ...ledger('unverified-1'),
        verifyFailures: {
          count: 5,
          since: now - 600_000,
          lastError: 'InternalError',
          reportedAt: now - 1_000,
        },
      },
      null,
    );
    await h.store.ledgers.put(h.key('calm-1'), ledger('calm-1'), null);
    const env = { PATH: process.env.PATH ?? '', ...h.env };

    const text = await runCli(['status'], { env });
    expect(text.stdout).toMatch(/^unsure-1 .*restart outcome unknown, being verified/m);
    expect(text.stdout).toMatch(/^unverified-1 .*cannot verify \(5 attempts\): InternalError/m);
    expect(text.stdout).not.toMatch(/^calm-1 /m);
  });
});
