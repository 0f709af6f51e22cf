import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../lib/config/config.js';
import { policyFromConfig } from '../../lib/remediate/remediation-policy.js';
import {
  applyAttemptSettled,
  applyFailureSeen,
  applyGiveUp,
  applyHealthy,
  applyOutcomeUnknown,
  applyOwnAttemptDone,
  applyRecheck,
  applyRestartDone,
  applyRestartIntent,
  backoffDelayMs,
  createLedger,
  isDue,
  restartsInWindow,
} from '../../lib/remediate/restart-ledger.js';

const policy = policyFromConfig(loadConfig({}));
const t0 = Date.UTC(2026, 0, 10);

describe('restart ledger transitions', () => {
  it('computes the same jittered delay for the same task and restart, within ±10 %', () => {
    expect(backoffDelayMs(3, policy, 'a:1')).toBe(backoffDelayMs(3, policy, 'a:1'));
    const delays = Array.from({ length: 50 }, (_, i) => backoffDelayMs(1, policy, `task-${i}:1`));
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(9_000);
    expect(Math.max(...delays)).toBeLessThanOrEqual(11_000);
    expect(new Set(delays).size).toBeGreaterThan(10);
    expect(backoffDelayMs(0, policy, 'x')).toBe(0);
    expect(backoffDelayMs(40, policy, 'x')).toBeLessThanOrEqual(330_000);
  });

  it('marks a new failure episode once', () => {
    const first = applyFailureSeen(createLedger('t', 'r'), t0, policy);
    expect(first.newEpisode).toBe(true);
    const again = applyFailureSeen(first.ledger, t0 + 5_000, policy);
    expect(again.newEpisode).toBe(false);
    expect(again.ledger.unhealthySince).toBe(t0);
  });

  it('keeps only restarts inside the budget window and clears the pending mark on failure', () => {
    let ledger = createLedger('t', 'r');
    ledger = applyRestartDone(ledger, t0, policy, { ok: true });
    ledger = applyRestartDone(ledger, t0 + 31 * 60_000, policy, { ok: true });
    expect(ledger.restarts).toEqual([t0 + 31 * 60_000]);
    expect(restartsInWindow(ledger, t0 + 31 * 60_000, policy)).toBe(1);
    const pending = applyRestartIntent(ledger, { at: t0 + 40 * 60_000, number: 2 }, t0 + 40 * 60_000 + 5_000);
    expect(pending.pendingRestartAt).toBe(t0 + 40 * 60_000);
    const failed = applyRestartDone(pending, t0 + 40 * 60_000, policy, { ok: false });
    expect(failed).not.toHaveProperty('pendingRestartAt');
    expect(failed).not.toHaveProperty('attempt');
  });

  it('writes the intent ahead with a re-check for when its lease has run out', () => {
    const ledger = applyRestartIntent(
      createLedger('t', 'r'),
      { at: t0, number: 1, resume: { fileIndex: 2, offset: 30 } },
      t0 + 5_000,
    );
    expect(ledger).toMatchObject({
      pendingRestartAt: t0,
      nextAttemptAt: t0 + 5_000,
      attempt: { at: t0, number: 1, resume: { fileIndex: 2, offset: 30 }, state: 'intent' },
    });
    expect(isDue(ledger, t0 + 5_000)).toBe(true);
  });

  it('counts an orphaned intent or a lost Restart answer once, at the attempt time, and a lost Stop not at all', () => {
    const intent = applyRestartIntent(createLedger('t', 'r'), { at: t0, number: 1 }, t0 + 5_000);
    const orphan = applyAttemptSettled(intent, policy);
    expect(orphan.counted?.at).toBe(t0);
    expect(orphan.ledger.restarts).toEqual([t0]);
    expect(orphan.ledger).not.toHaveProperty('attempt');
    expect(orphan.ledger.pendingRestartAt).toBe(t0);
    // The holder comes back (its lease had run out) and records its outcome: not counted twice.
    expect(applyOwnAttemptDone(orphan.ledger, t0, policy, { ok: true })).toBe(orphan.ledger);
    expect(applyAttemptSettled(orphan.ledger, policy).counted).toBeUndefined();

    const lostRestart = applyAttemptSettled(applyOutcomeUnknown(intent, t0, 'RestartLivePullToPush'), policy);
    expect(lostRestart.ledger.restarts).toEqual([t0]);
    expect(lostRestart.ledger.consecutive).toBe(1);

    const lostStop = applyAttemptSettled(applyOutcomeUnknown(intent, t0, 'StopLivePullToPush'), policy);
    expect(lostStop.counted).toBeUndefined();
    expect(lostStop.ledger.restarts).toEqual([]);
    expect(lostStop.ledger).not.toHaveProperty('attempt');
    // Our Stop's TriggerByUser stays ours.
    expect(lostStop.ledger.pendingRestartAt).toBe(t0);
  });

  it('ignores an unknown answer for an attempt that is no longer the current one', () => {
    const intent = applyRestartIntent(createLedger('t', 'r'), { at: t0 + 1, number: 1 }, t0 + 5_000);
    expect(applyOutcomeUnknown(intent, t0, 'RestartLivePullToPush')).toBe(intent);
  });

  it('is due only when a re-check is scheduled and has come, and never while waiting for a person', () => {
    const ledger = applyRecheck(createLedger('t', 'r'), t0 + 1_000);
    expect(isDue(ledger, t0)).toBe(false);
    expect(isDue(ledger, t0 + 1_000)).toBe(true);
    expect(isDue(applyGiveUp(ledger, t0), t0 + 2_000)).toBe(false);
    expect(isDue(createLedger('t', 'r'), t0)).toBe(false);
  });

  it('gives a task that needed a person a fresh budget once it runs again', () => {
    let ledger = createLedger('t', 'r');
    for (let n = 0; n < 5; n += 1) ledger = applyRestartDone(ledger, t0 + n, policy, { ok: true });
    ledger = applyGiveUp(applyFailureSeen(ledger, t0 + 10, policy).ledger, t0 + 10);
    const healthy = applyHealthy(ledger, t0 + 20);
    expect(healthy).toMatchObject({
      needsPerson: false,
      restarts: [],
      consecutive: 0,
      healthySince: t0 + 20,
    });
    expect(healthy).not.toHaveProperty('unhealthySince');
    expect(healthy).not.toHaveProperty('escalatedAt');
  });
});
