import { LivewatchError, StoreUnavailableError } from '../errors.js';

/**
 * The adapter boundary: any failure of the backing store (SQLite error, closed database, Redis
 * connection refused/closed/timed out, script error) becomes a StoreUnavailableError naming the
 * operation, with the vendor error as `cause`. Errors already in the livewatch family (e.g. a
 * ValidationError raised before touching the store) pass through unchanged.
 */
export function toStoreError(operation: string, error: unknown): LivewatchError {
  if (error instanceof LivewatchError) return error;
  return new StoreUnavailableError(operation, { cause: error });
}

/** Runs `fn`, translating its failure at the adapter boundary. */
export async function guardStoreCall<T>(operation: string, fn: () => T | Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    throw toStoreError(operation, error);
  }
}
