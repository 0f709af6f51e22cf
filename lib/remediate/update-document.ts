import { LivewatchError } from '../errors.js';
import type { Versioned, VersionedCollection } from '../store/store.js';

const MAX_ATTEMPTS = 8;

/**
 * Read-modify-write of one versioned document with compare-and-set, retried on conflict.
 * `change` returns the new value, or undefined to leave the document as it is.
 * Returns the value before and after (after = before when nothing was written).
 */
export async function updateDocument<T>(
  collection: VersionedCollection<T>,
  key: string,
  change: (current: T | undefined) => T | undefined,
): Promise<{ before: T | undefined; after: T | undefined; written: boolean }> {
  let current: Versioned<T> | undefined = await collection.get(key);
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt += 1) {
    const next = change(current?.value);
    if (next === undefined) return { before: current?.value, after: current?.value, written: false };
    const result = await collection.put(key, next, current?.version ?? null);
    if (result.ok) return { before: current?.value, after: next, written: true };
    current = result.current;
  }
  throw new LivewatchError(`compare-and-set on ${key} kept conflicting`, {
    context: { key, attempts: MAX_ATTEMPTS },
  });
}
