import { StoreConflictError } from '../errors.js';
import type { Versioned, VersionedCollection } from './store.js';

/** What one decision over the current document yields: the value to write (or none) and a result. */
export interface CasDecision<T, R> {
  readonly next: T | undefined;
  readonly result: R;
}

export interface CasOutcome<T, R> {
  readonly result: R;
  /** The document as read before the decision that stood. */
  readonly previous: Versioned<T> | undefined;
  /** Set when `next` was written: its new version. */
  readonly version: number | undefined;
  /** Conflicts met (someone wrote between our read and our write). */
  readonly conflicts: number;
}

/**
 * THE compare-and-set loop: read, decide (pure), write with the read version; on a conflict decide
 * again over the document the store returned. After `attempts` conflicts it throws StoreConflictError,
 * so a caller can tell a conflict from every other failure (and give up, or answer 500).
 *
 * @example
 * const { result } = await compareAndSet(store.snapshots, key, (doc) => ({ next: change(doc?.value), result: 1 }), { attempts: 4 });
 */
export async function compareAndSet<T, R>(
  collection: VersionedCollection<T>,
  key: string,
  decide: (current: Versioned<T> | undefined) => CasDecision<T, R>,
  options: { readonly attempts: number; readonly known?: Versioned<T> | undefined },
): Promise<CasOutcome<T, R>> {
  let current = options.known ?? (await collection.get(key));
  for (let conflicts = 0; conflicts < options.attempts; conflicts += 1) {
    const decision = decide(current);
    if (decision.next === undefined) {
      return { result: decision.result, previous: current, version: undefined, conflicts };
    }
    const written = await collection.put(key, decision.next, current?.version ?? null);
    if (written.ok)
      return { result: decision.result, previous: current, version: written.version, conflicts };
    current = written.current;
  }
  throw new StoreConflictError(key, options.attempts);
}

/** The budget for read-modify-write of ledgers, breakers and verified snapshots. */
const UPDATE_ATTEMPTS = 8;

/**
 * Read-modify-write of one versioned document. `change` returns the new value, or undefined to leave
 * the document as it is. Returns the value before and after (after = before when nothing was written).
 */
export async function updateDocument<T>(
  collection: VersionedCollection<T>,
  key: string,
  change: (current: T | undefined) => T | undefined,
): Promise<{ before: T | undefined; after: T | undefined; written: boolean }> {
  const outcome = await compareAndSet(
    collection,
    key,
    (current) => {
      const next = change(current?.value);
      return { next, result: next };
    },
    { attempts: UPDATE_ATTEMPTS },
  );
  const written = outcome.version !== undefined;
  const before = outcome.previous?.value;
  return { before, after: written ? outcome.result : before, written };
}
