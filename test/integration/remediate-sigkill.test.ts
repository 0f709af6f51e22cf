import { afterEach, describe, expect, it } from 'vitest';
import { type RemediateHarness, startRemediateHarness } from '../support/remediate-harness.js';
import { runRemediateChild } from '../support/run-remediate-child.js';

/**
 * Write-ahead restarts against a real crash (docs/alert.md, "Ledger states"): a real `node` process
 * handling an offline event is killed with SIGKILL right after the Restart call answered and before
 * its outcome is written; another process recovers. The emulator and the SQLite file are shared.
 */

let h: RemediateHarness;
afterEach(async () => {
  await h?.close();
});

/** Restart notices recorded in the store's notification groups, by alert id. */
async function restartAlerts(): Promise<string[]> {
  const ids = new Set<string>();
  for (const { value } of await h.store.groups.list()) {
    for (const id of Object.keys(value.alerts)) if (id.includes(':restart:')) ids.add(id);
  }
  return [...ids];
}

describe('SIGKILL between the Restart call and the ledger write', () => {
  it('the next process counts the restart once, sends one notice, and does not restart again', async () => {
    // The child processes run on the real clock: start the emulator's task clock there too.
    h = await startRemediateHarness({ start: Date.now() });
    h.addOfflineTask('kill-1');
    const event = h.eventFor('kill-1', 'offline', { reason: 'PullStreamFailed' });

    const killed = await runRemediateChild(['event', JSON.stringify(event)], {
      ...h.env,
      LIVEWATCH_TEST_CRASH_AT: 'after-restart-call',
    });
    expect(killed.signal, killed.stderr).toBe('SIGKILL');
    expect(killed.stdout).toBe('');
    expect(h.calls('RestartLivePullToPush')).toHaveLength(1);
    expect(h.emulator.task('kill-1')?.status).toBe(1);
    // What the dead process left: the intent, written before the call; nothing counted, nothing sent.
    const left = (await h.store.ledgers.get(h.key('kill-1')))?.value;
    expect(left).toMatchObject({ restarts: [], attempt: { state: 'intent', number: 1 } });
    expect(await restartAlerts()).toEqual([]);

    // A later invocation (the tick, once the dead holder's 5 s lease has run out).
    const recovered = await runRemediateChild(['tick'], { ...h.env, LIVEWATCH_TEST_CLOCK_OFFSET_MS: '6000' });
    expect(recovered.code, recovered.stderr).toBe(0);
    expect(JSON.parse(recovered.stdout)).toMatchObject([{ action: 'healthy', taskId: 'kill-1' }]);
    const ledger = (await h.store.ledgers.get(h.key('kill-1')))?.value;
    expect(ledger?.restarts).toEqual([left?.attempt?.at]);
    expect(ledger).not.toHaveProperty('attempt');
    expect(await restartAlerts()).toEqual([`${h.key('kill-1')}:restart:${left?.attempt?.at}`]);
    const types = (await h.store.getHistory(h.key('kill-1'))).map((entry) => entry.type);
    expect(types).toContain('restart-unconfirmed');
    expect(types[0]).toBe('restart-ok');

    // And again later: nothing more to do, still one restart, one notice.
    const again = await runRemediateChild(['tick'], { ...h.env, LIVEWATCH_TEST_CLOCK_OFFSET_MS: '12000' });
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toEqual([]);
    expect(h.calls('RestartLivePullToPush')).toHaveLength(1);
    expect((await h.store.ledgers.get(h.key('kill-1')))?.value.restarts).toHaveLength(1);
    expect(await restartAlerts()).toHaveLength(1);
  });
});
