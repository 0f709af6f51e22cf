import { claimsFuture } from '../events/observation-time.js';
import type { RelayTask } from '../events/resources.js';
import { resourceKey } from '../events/resources.js';
import { updateDocument } from '../store/compare-and-set.js';
import type { Store, StoredSnapshot } from '../store/store.js';

/**
 * Writes the API-verified state of a relay task to its snapshot (compare-and-set), so the poller's
 * next diff sees no change and does not report the same transition again. Never overwrites a
 * snapshot that reflects a newer observation. Returns since when the task has been in this state
 * (kept from the snapshot when the state is unchanged; `since` — e.g. the event's time — otherwise).
 */
export async function recordVerifiedSnapshot(
  store: Store,
  task: RelayTask,
  now: number,
  since?: number,
): Promise<{ previous: StoredSnapshot | undefined; stateSince: number }> {
  const key = resourceKey({ kind: 'relay', region: task.region, id: task.taskId });
  let stateSince = Math.min(since ?? now, now);
  const { before } = await updateDocument(store.snapshots, key, (current) => {
    const previous = current?.resource.kind === 'relay' ? current.resource : undefined;
    const resource = withLastKnownPosition(task, previous);
    if (current && previous?.state === task.state) {
      stateSince = current.stateSince;
      const future = claimsFuture(current.observedAt, now);
      if (!future && (current.observedAt >= now || !positionChanged(previous, resource))) return undefined;
      return { ...current, resource, observedAt: now };
    }
    // A newer observation stands, unless it claims to be from the future: the API's word wins then.
    if (current && current.observedAt > now && !claimsFuture(current.observedAt, now)) return undefined;
    stateSince = Math.min(since ?? now, now);
    return { resource, observedAt: now, stateSince };
  });
  return { previous: before, stateSince };
}

function positionChanged(previous: RelayTask, next: RelayTask): boolean {
  return (
    previous.currentFileIndex !== next.currentFileIndex ||
    previous.currentOffset !== next.currentOffset ||
    previous.invalidReason !== next.invalidReason ||
    previous.callbackUrl !== next.callbackUrl
  );
}

/** A stopped task may not report its position; keep the last one seen, for VOD resume. */
function withLastKnownPosition(task: RelayTask, previous: RelayTask | undefined): RelayTask {
  const fileIndex = task.currentFileIndex ?? previous?.currentFileIndex;
  const offset = task.currentOffset ?? previous?.currentOffset;
  return {
    ...task,
    ...(fileIndex === undefined ? {} : { currentFileIndex: fileIndex }),
    ...(offset === undefined ? {} : { currentOffset: offset }),
  };
}
