import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../lib/config/config.js';
import { policyFromConfig } from '../../lib/remediate/remediation-policy.js';
import {
  applyFailureSeen,
  applyGiveUp,
  applyHealthy,
  applyRecheck,
  applyRestartDone,
  applyRestartPending,
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
    const pending = applyRestartPending(ledger, t0 + 40 * 60_000);
    expect(pending.pendingRestartAt).toBe(t0 + 40 * 60_000);
    expect(applyRestartDone(pending, t0 + 40 * 60_000, policy, { ok: false })).not.toHaveProperty(
      'pendingRestartAt',
    );
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
