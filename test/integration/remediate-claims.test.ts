import { afterEach, describe, expect, it } from 'vitest';
import { handleEvents } from '../../lib/alert/handle-events.js';
import { StoreUnavailableError } from '../../lib/errors.js';
import type { Store } from '../../lib/store/store.js';
import { type RemediateHarness, startRemediateHarness } from '../support/remediate-harness.js';

let h: RemediateHarness;

afterEach(async () => {
  await h?.close();
});

/**
 * The harness's real SQLite store, except that its `failAt`-th claim fails as an outage would
 * (a fault-injecting decorator: every other call reaches the real store).
 */
function failingNthClaim(store: Store, failAt: number): Store {
  let claims = 0;
  return new Proxy(store, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (property !== 'claim' || typeof value !== 'function') {
        return typeof value === 'function' ? value.bind(target) : value;
      }
      return async (...args: Parameters<Store['claim']>) => {
        claims += 1;
        if (claims === failAt) throw new StoreUnavailableError('claim', { cause: new Error('injected') });
        return target.claim(...args);
      };
    },
  });
}

describe('alert function: a store failure while claiming a batch', () => {
  it('gives back the claims already taken, so the retried batch restarts every task', async () => {
    h = await startRemediateHarness();
    const ids = ['claim-1', 'claim-2', 'claim-3'];
    for (const id of ids) {
      h.addOfflineTask(id);
    }
    const batch = ids.map((id) => h.eventFor(id, 'offline', { reason: 'PullStreamFailed' }));

    await expect(
      handleEvents({ ...h.deps, store: failingNthClaim(h.store, 2) }, batch),
    ).rejects.toBeInstanceOf(StoreUnavailableError);
    expect(h.calls('RestartLivePullToPush')).toHaveLength(0);

    // FC retries the same batch once the store answers again.
    const retry = await handleEvents(h.deps, batch);

    expect(retry.duplicates).toBe(0);
    expect(retry.outcomes.map((outcome) => outcome.action)).toEqual(['restarted', 'restarted', 'restarted']);
    expect(h.calls('RestartLivePullToPush')).toHaveLength(3);
  });
});
