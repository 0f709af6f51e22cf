import { afterEach, describe, expect, it } from 'vitest';
import { handleEvents } from '../../lib/alert/handle-events.js';
import { silentLogger } from '../../lib/log.js';
import { holdTaskLease, TASK_LEASE_MS } from '../../lib/remediate/task-lease.js';
import { type RemediateHarness, startRemediateHarness } from '../support/remediate-harness.js';

/** Short task leases, renewed while the work runs (docs/alert.md, "Leases"). */
let h: RemediateHarness;
afterEach(async () => {
  await h?.close();
});

/** Lets the renewal loop run its store call after the clock woke it (no timers involved). */
async function settle(): Promise<void> {
  for (let turn = 0; turn < 5; turn += 1) await new Promise((done) => setImmediate(done));
}

/** Moves the manual clock in steps, letting renewals run at each. */
async function advanceInSteps(ms: number, step = 500): Promise<void> {
  for (let done = 0; done < ms; done += step) {
    h.clock.advance(step);
    await settle();
  }
}

describe('task leases', () => {
  it('a dead holder delays the next invocation by the lease TTL (5 s), not a minute', async () => {
    h = await startRemediateHarness();
    h.addOfflineTask('dead-holder');
    // What a SIGKILLed invocation leaves: its lease, never renewed, never released.
    await h.store.acquireLease(`restart:${h.key('dead-holder')}`, 'dead', TASK_LEASE_MS, h.clock.now());

    h.clock.advance(TASK_LEASE_MS - 1_000);
    const blocked = await handleEvents(h.deps, [h.eventFor('dead-holder', 'offline')]);
    expect(blocked.outcomes[0]).toMatchObject({ action: 'busy' });
    expect(h.calls('RestartLivePullToPush')).toHaveLength(0);

    h.clock.advance(1_000);
    const report = await handleEvents(h.deps, [h.eventFor('dead-holder', 'offline')]);
    expect(report.outcomes[0]).toMatchObject({ action: 'restarted' });
    expect(h.calls('RestartLivePullToPush')).toHaveLength(1);
  });

  it('a live holder keeps its lease past the TTL by renewing it, and frees it on release', async () => {
    h = await startRemediateHarness();
    const deps = { store: h.store, clock: h.clock, log: silentLogger };
    const lease = await holdTaskLease(deps, 'restart:relay:x', 'alive');
    expect(lease?.held()).toBe(true);

    await advanceInSteps(6 * TASK_LEASE_MS);
    expect(await holdTaskLease(deps, 'restart:relay:x', 'other')).toBeUndefined();
    expect(lease?.held()).toBe(true);

    await lease?.release();
    const next = await holdTaskLease(deps, 'restart:relay:x', 'other');
    expect(next?.held()).toBe(true);
    await next?.release();
  });

  it('without renewals (the holder is gone) the lease runs out after its TTL', async () => {
    h = await startRemediateHarness();
    expect(await h.store.acquireLease('restart:relay:y', 'gone', TASK_LEASE_MS, h.clock.now())).toBe(true);
    const deps = { store: h.store, clock: h.clock, log: silentLogger };
    h.clock.advance(TASK_LEASE_MS - 1);
    expect(await holdTaskLease(deps, 'restart:relay:y', 'next')).toBeUndefined();
    h.clock.advance(1);
    const taken = await holdTaskLease(deps, 'restart:relay:y', 'next');
    expect(taken?.held()).toBe(true);
    await taken?.release();
  });
});
