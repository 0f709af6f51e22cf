import type { Clock } from '../clock.js';
import type { Logger } from '../log.js';
import type { Store } from '../store/store.js';

/**
 * A task lease's time to live. Short, because a holder that dies (SIGKILL, an FC timeout) blocks the
 * task until it runs out; renewed every third of it while the work runs, so a live holder keeps it
 * through calls that take up to the API deadline (docs/alert.md, "Leases").
 */
export const TASK_LEASE_MS = 5_000;

export interface TaskLease {
  readonly name: string;
  readonly ttlMs: number;
  /** False once a renewal found the lease taken by another holder (we stalled past its expiry). */
  held(): boolean;
  /** Stops the renewals and releases the lease if it is still ours. */
  release(): Promise<void>;
}

/**
 * Takes the lease `name` for `holder` and keeps renewing it on the injected clock until released.
 * Resolves undefined when another holder has it. A renewal that cannot reach the store is retried
 * at the next beat: the lease only lapses if the store stays away for its whole TTL.
 */
export async function holdTaskLease(
  deps: { readonly store: Store; readonly clock: Clock; readonly log: Logger },
  name: string,
  holder: string,
  ttlMs = TASK_LEASE_MS,
): Promise<TaskLease | undefined> {
  const { store, clock, log } = deps;
  if (!(await store.acquireLease(name, holder, ttlMs, clock.now()))) return undefined;
  const stop = new AbortController();
  let lost = false;
  const renewals = (async () => {
    while (!stop.signal.aborted && !lost) {
      try {
        await clock.sleep(Math.max(1, Math.floor(ttlMs / 3)), stop.signal);
      } catch {
        return; // released
      }
      try {
        lost = !(await store.acquireLease(name, holder, ttlMs, clock.now()));
        if (lost) log.warn('task lease taken over by another holder while working', { lease: name });
      } catch (error) {
        log.warn('could not renew a task lease; retrying at the next beat', { lease: name, error });
      }
    }
  })();
  return {
    name,
    ttlMs,
    held: () => !lost,
    async release() {
      stop.abort();
      await renewals;
      if (!lost) await store.releaseLease(name, holder);
    },
  };
}
