import { CLOCK_SKEW_MS } from '../events/observation-time.js';
import type { ParsedCallback } from '../events/parse-callback.js';
import type { RelayTask } from '../events/resources.js';
import type { CallbackSnapshotPatch } from '../store/store.js';

/**
 * How a callback changes its task's snapshot, as data the store applies inside the claim's
 * transaction (`mergeCallbackSnapshot`): the callback's state and details over the stored task,
 * without the reasons of the previous state. Undefined for a callback without a status: it is only a
 * hint, and the snapshot is left alone.
 */
export function callbackSnapshotPatch(
  parsed: ParsedCallback,
  receivedAt: number,
): CallbackSnapshotPatch | undefined {
  if (!parsed.stateKnown || parsed.status === undefined) return undefined;
  const { event } = parsed;
  const identity = { kind: 'relay' as const, taskId: event.resource.id, region: event.resource.region };
  // Undefined fields would be dropped on the way to a Redis script but not in SQLite: leave them out.
  const details = Object.fromEntries(
    Object.entries(parsed.details).filter(([, value]) => value !== undefined),
  ) as Partial<RelayTask>;
  return {
    observedAt: event.observedAt,
    futureAfter: receivedAt + CLOCK_SKEW_MS,
    base: { ...identity, status: parsed.status, state: event.state as RelayTask['state'], sourceUrls: [] },
    drop: ['invalidReason', 'exitReason', 'exitTime'],
    set: { ...details, ...identity, status: parsed.status, state: event.state as RelayTask['state'] },
  };
}
