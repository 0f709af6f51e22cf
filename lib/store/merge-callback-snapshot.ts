import type { CallbackSnapshotPatch, StoredSnapshot } from './store.js';

/**
 * The snapshot a callback leaves, or undefined when it changes nothing: only a callback NEWER than
 * the stored observation applies (a stored time from the future orders nothing), and only to a relay
 * snapshot, so an out-of-order callback never overwrites newer state. The state's start time and its
 * reported stuck conditions carry over while the state stays the same.
 *
 * This is the one statement of the rule. The SQLite adapter runs it inside the claim's transaction;
 * the Redis adapter's ACCEPT_CALLBACK script mirrors it line by line, and the store contract suite
 * runs the same cases on both.
 */
export function mergeCallbackSnapshot(
  previous: StoredSnapshot | undefined,
  patch: CallbackSnapshotPatch,
): StoredSnapshot | undefined {
  if (previous !== undefined) {
    const stored = previous.observedAt;
    if (!(patch.observedAt > stored || stored > patch.futureAfter)) return undefined;
    if (previous.resource.kind !== 'relay') return undefined;
  }
  const base = previous?.resource.kind === 'relay' ? previous.resource : patch.base;
  const kept: Record<string, unknown> = { ...base };
  for (const field of patch.drop) delete kept[field];
  const resource = { ...kept, ...patch.set } as StoredSnapshot['resource'];
  const changed = previous === undefined || previous.resource.state !== patch.set.state;
  return {
    resource,
    observedAt: patch.observedAt,
    stateSince: changed ? patch.observedAt : previous.stateSince,
    ...(!changed && previous.reportedStuck ? { reportedStuck: previous.reportedStuck } : {}),
  };
}
