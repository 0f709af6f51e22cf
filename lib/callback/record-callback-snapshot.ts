import { StoreConflictError } from '../errors.js';
import { claimsFuture } from '../events/observation-time.js';
import type { ParsedCallback } from '../events/parse-callback.js';
import type { RelayTask } from '../events/resources.js';
import type { Logger } from '../log.js';
import { compareAndSet } from '../store/compare-and-set.js';
import type { Store, StoredSnapshot, Versioned } from '../store/store.js';

/**
 * Writes a callback's state into the task's snapshot when the callback is NEWER than what the snapshot
 * reflects (EventTime vs observedAt), so the poller does not report the same transition again and an
 * older, out-of-order callback never overwrites newer state. Compare-and-set; on a conflict the
 * snapshot is re-read once and the decision made again. Returns whether it wrote.
 */
export async function recordCallbackSnapshot(
  deps: { store: Store; log: Logger; receivedAt: number },
  key: string,
  parsed: ParsedCallback,
  current: Versioned<StoredSnapshot> | undefined,
): Promise<boolean> {
  // Without a status the callback is only a hint: nothing to record.
  if (!parsed.stateKnown || parsed.status === undefined) return false;
  const status = parsed.status;
  try {
    const { version } = await compareAndSet(
      deps.store.snapshots,
      key,
      (document) => {
        const stored = document?.value.observedAt;
        // A stored time from the future (written before EventTime was bounded) orders nothing.
        const newer =
          stored === undefined || parsed.event.observedAt > stored || claimsFuture(stored, deps.receivedAt);
        const relay = document === undefined || document.value.resource.kind === 'relay';
        return {
          next: newer && relay ? mergeSnapshot(document?.value, parsed, status) : undefined,
          result: undefined,
        };
      },
      // A busy task conflicts at most once in practice; then the next sweep settles it.
      { attempts: 2, known: current },
    );
    return version !== undefined;
  } catch (error) {
    if (!(error instanceof StoreConflictError)) throw error;
    deps.log.info('snapshot changed concurrently twice; leaving it to the next sweep', { resource: key });
    return false;
  }
}

function mergeSnapshot(
  previous: StoredSnapshot | undefined,
  parsed: ParsedCallback,
  status: number,
): StoredSnapshot {
  const { event } = parsed;
  const base = previous?.resource.kind === 'relay' ? previous.resource : undefined;
  // Reasons belong to one state: start from the previous task without them, then add the event's.
  const {
    invalidReason: _invalidReason,
    exitReason: _exitReason,
    exitTime: _exitTime,
    ...kept
  } = base ?? {
    kind: 'relay' as const,
    taskId: event.resource.id,
    region: event.resource.region,
    sourceUrls: [],
  };
  const state = event.state as RelayTask['state'];
  const resource: RelayTask = {
    ...kept,
    ...parsed.details,
    kind: 'relay',
    taskId: event.resource.id,
    region: event.resource.region,
    status,
    state,
    sourceUrls: parsed.details.sourceUrls ?? kept.sourceUrls ?? [],
  };
  const changed = base?.state !== state;
  const stateSince = changed || previous === undefined ? event.observedAt : previous.stateSince;
  return {
    resource,
    observedAt: event.observedAt,
    stateSince,
    ...(!changed && previous?.reportedStuck ? { reportedStuck: previous.reportedStuck } : {}),
  };
}
