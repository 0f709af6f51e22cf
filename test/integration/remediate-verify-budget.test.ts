import { afterEach, describe, expect, it } from 'vitest';
import { handleEvents } from '../../lib/alert/handle-events.js';
import { runTick } from '../../lib/alert/run-tick.js';
import { applyRecheck, createLedger, VERIFY_ATTEMPTS } from '../../lib/remediate/restart-ledger.js';
import { type RemediateHarness, startRemediateHarness } from '../support/remediate-harness.js';

/**
 * Verification failures are retried with a bounded budget, then recorded and reported once, never
 * looped (docs/alert.md, "Verification budget").
 */
const TICK_MS = 60_000;
let h: RemediateHarness;
afterEach(async () => {
  await h?.close();
});

const describes = () => h.calls('DescribeLivePullToPush').length;

describe('verification budget', () => {
  it('retries a failing Describe with backoff, reports once after the budget, then stops until it verifies again', async () => {
    // A short API deadline: each failed verification gives up (after the client's own resends) quickly.
    h = await startRemediateHarness({ env: { LIVEWATCH_API_DEADLINE_MS: '300' } });
    h.addOfflineTask('unverifiable');
    h.emulator.faults.apiFaults({ kind: '5xx', rate: 1, action: 'DescribeLivePullToPush' });

    const report = await handleEvents(h.deps, [h.eventFor('unverifiable', 'offline')]);
    expect(report.failures).toHaveLength(1);
    const key = h.key('unverifiable');
    for (let failed = 1; failed < VERIFY_ATTEMPTS; failed += 1) {
      const ledger = (await h.store.ledgers.get(key))?.value;
      expect(ledger?.verifyFailures).toMatchObject({ count: failed });
      // Backoff: the tick interval, doubling per failure.
      expect(ledger?.nextAttemptAt).toBe(h.clock.now() + TICK_MS * 2 ** (failed - 1));
      expect(h.notifier.of('VerifyFailed')).toHaveLength(0);
      h.clock.advance(TICK_MS * 2 ** (failed - 1));
      await runTick(h.deps);
    }
    const reported = (await h.store.ledgers.get(key))?.value;
    expect(reported?.verifyFailures).toMatchObject({ count: VERIFY_ATTEMPTS, reportedAt: h.clock.now() });
    expect(reported).not.toHaveProperty('nextAttemptAt');
    expect(h.notifier.of('VerifyFailed')).toHaveLength(1);
    const history = await h.store.getHistory(key);
    expect(history.filter((entry) => entry.type === 'verify-failed')).toHaveLength(1);

    // Never looped: ticks for hours make no call and send nothing more.
    const calls = describes();
    for (let hour = 0; hour < 3; hour += 1) {
      h.clock.advance(3_600_000);
      await runTick(h.deps);
    }
    expect(describes()).toBe(calls);
    // A new event for it is tried once more, but not reported again.
    await handleEvents(h.deps, [h.eventFor('unverifiable', 'offline', { source: 'poll' })]);
    expect(h.notifier.of('VerifyFailed')).toHaveLength(1);
    expect((await h.store.ledgers.get(key))?.value).not.toHaveProperty('nextAttemptAt');

    // The API answers again: the next event verifies, resolves the report and remediates.
    h.emulator.faults.apiFaults({ kind: '5xx', rate: 0, action: 'DescribeLivePullToPush' });
    const healed = await handleEvents(h.deps, [
      h.eventFor('unverifiable', 'offline', { source: 'callback' }),
    ]);
    expect(healed.outcomes[0]).toMatchObject({ action: 'restarted' });
    expect(h.notifier.of('VerifyFailed', 'resolved')).toHaveLength(1);
    expect((await h.store.ledgers.get(key))?.value).not.toHaveProperty('verifyFailures');
  });

  it('an id the API cannot accept is reported once at once and never re-checked', async () => {
    h = await startRemediateHarness();
    // A ledger left by an older version that accepted any TaskId from callbacks.
    const key = 'relay:cn-shanghai:a.b';
    await h.store.ledgers.put(key, applyRecheck(createLedger('a.b', 'cn-shanghai'), h.clock.now()), null);

    const tick = await runTick(h.deps);
    expect(tick.failures).toHaveLength(1);
    expect(h.notifier.of('VerifyFailed')).toHaveLength(1);
    const ledger = (await h.store.ledgers.get(key))?.value;
    expect(ledger?.verifyFailures).toMatchObject({ count: 1, reportedAt: h.clock.now() });
    expect(ledger).not.toHaveProperty('nextAttemptAt');

    h.clock.advance(TICK_MS);
    const next = await runTick(h.deps);
    expect(next.failures).toHaveLength(0);
    expect(h.notifier.of('VerifyFailed')).toHaveLength(1);
  });
});
