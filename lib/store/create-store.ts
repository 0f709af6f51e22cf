import { STORE_URL_RULE, type StoreLocation, storeLocationOf } from '../config/store-url.js';
import { StoreUnavailableError, ValidationError } from '../errors.js';
import type { Logger } from '../log.js';
import { redact } from '../redact.js';
import { describeStoreCause } from './describe-store-cause.js';
import type { Store } from './store.js';

export interface CreateStoreOptions {
  /** Key prefix for the Redis adapter (LIVEWATCH_REDIS_PREFIX). Default `livewatch:`. */
  readonly redisPrefix?: string;
  readonly log?: Logger;
}

/** Parses LIVEWATCH_STORE_URL by the one rule (lib/config/store-url.ts); a ValidationError otherwise. */
export function parseStoreUrl(url: string): StoreLocation {
  const location = storeLocationOf(url);
  if (location !== undefined) return location;
  throw new ValidationError('store URL', [{ path: 'LIVEWATCH_STORE_URL', message: STORE_URL_RULE }]);
}

/**
 * Opens the store named by a LIVEWATCH_STORE_URL. Each adapter is loaded only when used, so a
 * Redis deployment never loads the native SQLite module and vice versa.
 * Rejects with StoreUnavailableError when the store cannot be opened or reached.
 * @example
 * const store = await createStore(config.LIVEWATCH_STORE_URL, { redisPrefix: config.LIVEWATCH_REDIS_PREFIX, log });
 * if (await store.claim(dedupeKey, 86_400_000, clock.now())) { … }
 */
export async function createStore(url: string, options: CreateStoreOptions = {}): Promise<Store> {
  const location = parseStoreUrl(url);
  try {
    return await openStore(location, options);
  } catch (error) {
    // Say which store and why: "state store unavailable" alone sends a person guessing.
    if (!(error instanceof StoreUnavailableError)) throw error;
    throw new StoreUnavailableError(error.operation, {
      cause: error.cause,
      store: redact(url),
      reason: describeStoreCause(error.cause),
    });
  }
}

async function openStore(location: StoreLocation, options: CreateStoreOptions): Promise<Store> {
  if (location.kind === 'sqlite') {
    const { openSqliteStore } = await import('./sqlite-store.js');
    return openSqliteStore({ path: location.path, ...(options.log ? { log: options.log } : {}) });
  }
  const { openRedisStore } = await import('./redis-store.js');
  return openRedisStore({
    url: location.url,
    ...(options.redisPrefix === undefined ? {} : { prefix: options.redisPrefix }),
    ...(options.log ? { log: options.log } : {}),
  });
}
