import { afterEach, describe, expect, it } from 'vitest';
import { handleEvents } from '../../lib/alert/handle-events.js';
import { runTick } from '../../lib/alert/run-tick.js';
import { createSilenceBook } from '../../lib/notify/create-silence-book.js';
import { restartOnRequest } from '../../lib/remediate/restart-on-request.js';
import { type RemediateHarness, startRemediateHarness } from '../support/remediate-harness.js';

const HOST = 'venue.example.com';
let h: RemediateHarness;

afterEach(async () => {
  await h?.close();
});

function restartsOf(id: string): number {
  return h.calls('RestartLivePullToPush').filter((c) => c.params.TaskId === id).length;
}

describe('maintenance windows (silence add --pause-restarts) through the emulator', () => {
  it('sends no Restart while the window is active, records why, and restarts once it has expired', async () => {
    h = await startRemediateHarness({ env: { LIVEWATCH_RECOVERING_GRACE_S: '0' } });
    h.addRunningTask('venue-1', { sourceUrls: [`rtmp://${HOST}/live/a`] });
    h.addRunningTask('venue-2', { sourceUrls: [`rtmp://${HOST}/live/b`] });
    h.addRunningTask('other-1');
    const book = createSilenceBook(h.store, () => h.clock.now());
    // Silences only criticals, but pauses every restart in its scope: severity is not a scope matcher.
    const window = await book.add({
      'source-host': [HOST],
      severity: ['critical'],
      duration: '30m',
      author: 'ana',
      comment: 'venue switch, OPS-7',
      'pause-restarts': true,
    });

    for (const id of ['venue-1', 'other-1']) h.emulator.setTaskStatus(id, 3, 'PullStreamFailed');
    await h.advance(1_000);
    const first = await handleEvents(h.deps, [
      h.eventFor('venue-1', 'offline', { reason: 'PullStreamFailed' }),
      h.eventFor('other-1', 'offline', { reason: 'PullStreamFailed' }),
    ]);
    const actionOf = (id: string) => first.outcomes.find((o) => o.taskId === id)?.action;
    expect(actionOf('venue-1')).toBe('paused');
    expect(actionOf('other-1')).toBe('restarted');
    expect(restartsOf('venue-1')).toBe(0);
    expect(restartsOf('other-1')).toBe(1);
    const history = await h.store.getHistory(h.key('venue-1'));
    const paused = history.find((entry) => entry.type === 'maintenance');
    expect(paused?.message).toContain(
      `restart paused: maintenance window ${window.id} by ana (venue switch, OPS-7)`,
    );
    expect(paused?.data).toMatchObject({ silence: window.id, until: window.endsAt });
    // Its critical page is silenced by the same window: recorded, not sent.
    expect(history.some((entry) => entry.type === 'silenced')).toBe(true);

    // Further events and ticks inside the window change nothing.
    await h.advance(10 * 60_000);
    await handleEvents(h.deps, [h.eventFor('venue-1', 'offline', { reason: 'PullStreamFailed' })]);
    await runTick(h.deps);
    await h.advance(15 * 60_000);
    await runTick(h.deps);
    expect(restartsOf('venue-1')).toBe(0);
    expect(h.emulator.task('venue-1')?.status).toBe(3);

    // A person may still restart a task inside the window.
    h.emulator.setTaskStatus('venue-2', 3, 'PullStreamFailed');
    const manual = await restartOnRequest(h.deps, {
      taskId: 'venue-2',
      regions: ['cn-shanghai'],
      force: false,
    });
    expect(manual.action).toBe('restarted');

    // The window ends: the re-check scheduled at its end restarts the task.
    await h.advance(window.endsAt - h.clock.now() + 1_000);
    await runTick(h.deps);
    expect(restartsOf('venue-1')).toBe(1);
    await h.advance(60_000);
    await runTick(h.deps);
    expect(h.emulator.task('venue-1')?.status).toBe(1);
  });

  it('an expired window no longer pauses: the next event restarts the task', async () => {
    h = await startRemediateHarness({ env: { LIVEWATCH_RECOVERING_GRACE_S: '0' } });
    h.addRunningTask('night-1', { taskName: 'night-show' });
    const book = createSilenceBook(h.store, () => h.clock.now());
    const window = await book.add({
      'task-name': '^night-',
      duration: '8h',
      author: 'ana',
      comment: 'planned',
      'pause-restarts': true,
    });
    h.emulator.setTaskStatus('night-1', 3, 'PullStreamFailed');
    await h.advance(1_000);
    const during = await handleEvents(h.deps, [h.eventFor('night-1', 'offline')]);
    expect(during.outcomes[0]?.action).toBe('paused');
    expect((await book.expire(window.id))?.expiredNow).toBe(true);
    await h.advance(1_000);
    const after = await handleEvents(h.deps, [h.eventFor('night-1', 'offline')]);
    expect(after.outcomes[0]?.action).toBe('restarted');
    expect(restartsOf('night-1')).toBe(1);
  });
});
