import { afterEach, describe, expect, it } from 'vitest';
import { cleanEnv, runCli } from '../support/cli-process.js';
import { type RemediateHarness, startRemediateHarness } from '../support/remediate-harness.js';
import { putLedger, putOpenBreaker, putTask, relayTask } from '../support/status-harness.js';

const HOUR = 3_600_000;
let h: RemediateHarness;

afterEach(async () => {
  await h?.close();
});

const livewatch = (args: string[]) =>
  runCli(args, { env: cleanEnv({ ...h.env, LIVEWATCH_LOG_LEVEL: 'error' }) });

function addTask(taskId: string) {
  // The CLI runs on real time: the task's window is around the real now.
  return h.emulator.addTask({
    taskId,
    region: 'cn-shanghai',
    taskName: `cli-${taskId}`,
    sourceUrls: [`rtmp://origin.example.com/live/${taskId}`],
    startAt: Date.now() - HOUR,
    endAt: Date.now() + HOUR,
  });
}

describe('livewatch restart / status (spawned CLI against the emulator)', () => {
  it('restarts an offline task through the guarded path and records it', async () => {
    h = await startRemediateHarness({ start: Date.now() });
    addTask('cli-1');
    h.emulator.setTaskStatus('cli-1', 3, 'PullStreamFailed');

    const result = await livewatch(['restart', 'cli-1', '--region', 'cn-shanghai', '--json']);

    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ action: 'restarted', taskId: 'cli-1' });
    expect(h.calls('RestartLivePullToPush')).toHaveLength(1);
    // Newest first: who asked (the operator entry), then the guarded path's decision.
    const [asked, decided] = await h.store.getHistory(h.key('cli-1'), 2);
    expect(asked).toMatchObject({ type: 'operator', data: { action: 'restart', outcome: 'restarted' } });
    expect(decided).toMatchObject({ type: 'restart', data: { source: 'cli' } });
  });

  it('declines a task stopped by a user unless --force is given', async () => {
    h = await startRemediateHarness({ start: Date.now() });
    addTask('cli-2');
    await h.client.stopRelayTask({ region: 'cn-shanghai', taskId: 'cli-2' });

    const declined = await livewatch(['restart', 'cli-2', '--region', 'cn-shanghai']);
    expect(declined.code).toBe(3);
    // The stop's label follows the active reading: TriggerByUser, or no reason at all (docs/emulator.md).
    expect(declined.stdout).toMatch(
      h.userStopReason() === 'user-stop' ? /stopped by a user/ : /stopped with no reason given/,
    );
    expect(h.calls('RestartLivePullToPush')).toHaveLength(0);

    const forced = await livewatch(['restart', 'cli-2', '--region', 'cn-shanghai', '--force']);
    expect(forced.code, forced.stderr).toBe(0);
    expect(h.calls('RestartLivePullToPush')).toHaveLength(1);
  });

  it('honours dry-run even with --force', async () => {
    h = await startRemediateHarness({ start: Date.now(), env: { LIVEWATCH_DRY_RUN: 'true' } });
    addTask('cli-3');
    h.emulator.setTaskStatus('cli-3', 3, 'PullStreamFailed');
    const result = await livewatch(['restart', 'cli-3', '--force']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('would restart');
    expect(h.emulator.stats().mutations).toHaveLength(0);
  });

  it('rejects bad usage with exit code 2', async () => {
    h = await startRemediateHarness({ start: Date.now() });
    expect((await livewatch(['restart'])).code).toBe(2);
    expect((await livewatch(['restart', 'a', '--region', 'mars-1'])).code).toBe(2);
  });

  it('shows tasks needing attention, ledgers and breakers', async () => {
    h = await startRemediateHarness({ start: Date.now() });
    const sick = await putTask(
      h.store,
      relayTask('sick-1', {
        name: 'evening-news',
        status: 3,
        state: 'offline',
        invalidReason: 'PullStreamFailed',
        sourceUrls: ['rtmp://origin.example.com/live/x?auth_key=SECRET-VALUE-123'],
      }),
      Date.now() - 60_000,
    );
    await putLedger(h.store, sick, {
      taskId: 'sick-1',
      restarts: [Date.now() - 30_000],
      consecutive: 5,
      needsPerson: true,
    });
    await putOpenBreaker(h.store, 'host:origin.example.com', Date.now() - 10_000);

    const text = await livewatch(['status']);
    expect(text.code).toBe(3);
    expect(text.stdout).toMatch(/sick-1\s+evening-news\s+cn-shanghai\s+offline\s+PullStreamFailed/);
    expect(text.stdout).toContain('YES');
    expect(text.stdout).toContain('host:origin.example.com  open');
    expect(text.stdout).toContain('no sweep recorded');
    expect(text.stdout).not.toContain('SECRET-VALUE-123');

    const json = JSON.parse((await livewatch(['status', '--json'])).stdout);
    expect(json.attention[0]).toMatchObject({ taskId: 'sick-1', needsPerson: true, restartsInWindow: 1 });
    expect(json.breakers[0]).toMatchObject({
      key: 'host:origin.example.com',
      state: 'open',
      failuresInWindow: 1,
    });
    expect(json.outbox).toMatchObject({ pending: 0 });
  });
});
