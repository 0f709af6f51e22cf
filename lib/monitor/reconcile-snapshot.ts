import { StoreConflictError } from '../errors.js';
import type { TaskEvent } from '../events/task-event.js';
import { compareAndSet } from '../store/compare-and-set.js';
import type { StoredSnapshot, Versioned, VersionedCollection } from '../store/store.js';
import type { DiffResult } from './diff-snapshot.js';

/** A snapshot this sweep wrote, with what it replaced, so the write can be undone if its events are not delivered. */
export interface SnapshotWrite {
  readonly key: string;
  readonly previous: Versioned<StoredSnapshot> | undefined;
  readonly value: StoredSnapshot;
  readonly version: number;
}

export interface ReconcileOutcome {
  readonly events: readonly TaskEvent[];
  readonly write: SnapshotWrite | undefined;
  /** Compare-and-set conflicts met (someone else wrote the snapshot between our read and write). */
  readonly conflicts: number;
  /** Set when every attempt met a conflict: nothing was written and nothing is emitted. */
  readonly gaveUp: boolean;
}

/** A busy task (callbacks arriving during the sweep) rarely conflicts more than once. */
const MAX_ATTEMPTS = 4;

/**
 * Reads a resource's snapshot, decides with `decide` (a pure diff), and writes the result with
 * compare-and-set. On a conflict it re-reads and re-decides that one resource, so an event the
 * callback receiver recorded in between is not reported twice. The write comes BEFORE the event
 * is emitted: a successful compare-and-set is what makes this sweep the one that reports it.
 */
export async function reconcileSnapshot(
  snapshots: VersionedCollection<StoredSnapshot>,
  key: string,
  decide: (previous: StoredSnapshot | undefined) => DiffResult,
  known?: Versioned<StoredSnapshot> | undefined,
): Promise<ReconcileOutcome> {
  try {
    const outcome = await compareAndSet(
      snapshots,
      key,
      (current) => {
        const result = decide(current?.value);
        return { next: result.next, result };
      },
      { attempts: MAX_ATTEMPTS, known },
    );
    const { result, previous, version, conflicts } = outcome;
    const write =
      version === undefined || result.next === undefined
        ? undefined
        : { key, previous, value: result.next, version };
    return { events: result.events, write, conflicts, gaveUp: false };
  } catch (error) {
    if (!(error instanceof StoreConflictError)) throw error;
    return { events: [], write: undefined, conflicts: error.attempts, gaveUp: true };
  }
}

/**
 * Undoes a write whose events could not be handed to the alert function, so the next sweep sees
 * the same change again and emits the same event keys. If someone wrote the snapshot since, their
 * newer state stands and nothing is undone.
 */
export async function revertSnapshot(
  snapshots: VersionedCollection<StoredSnapshot>,
  write: SnapshotWrite,
): Promise<boolean> {
  if (write.previous === undefined) return snapshots.delete(write.key, write.version);
  const result = await snapshots.put(write.key, write.previous.value, write.version);
  return result.ok;
}

/**
 * The snapshots as a dry run sees them: reads go to the store, writes are accepted and dropped, so
 * the diff and the disappearance logic run unchanged without changing anything.
 */
export function readOnlySnapshots(
  snapshots: VersionedCollection<StoredSnapshot>,
): VersionedCollection<StoredSnapshot> {
  return {
    get: (key) => snapshots.get(key),
    list: (prefix) => snapshots.list(prefix),
    listPage: (options) => snapshots.listPage(options),
    put: async (_key, _value, expectedVersion) => ({ ok: true, version: (expectedVersion ?? 0) + 1 }),
    delete: async () => true,
  };
}
