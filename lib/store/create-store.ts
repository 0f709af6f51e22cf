import { ValidationError } from '../errors.js';
import type { Logger } from '../log.js';
import type { Store } from './store.js';

export interface CreateStoreOptions {
  /** Key prefix for the Redis adapter (LIVEWATCH_REDIS_PREFIX). Default `livewatch:`. */
  readonly redisPrefix?: string;
  readonly log?: Logger;
}

/** A parsed LIVEWATCH_STORE_URL. */
export type StoreLocation =
  | { readonly kind: 'sqlite'; readonly path: string }
  | { readonly kind: 'redis'; readonly url: string };

/**
 * Parses `sqlite:<path>` (`sqlite::memory:`, `sqlite:./state.db`, `sqlite:///abs/state.db`) or
 * `redis://…` / `rediss://…`. Throws a ValidationError for anything else.
 */
export function parseStoreUrl(url: string): StoreLocation {
  if (url.startsWith('sqlite:')) {
    let path = url.slice('sqlite:'.length);
    // `sqlite://x` and `sqlite:///abs` are common spellings of `sqlite:x` and `sqlite:/abs`.
    if (path.startsWith('//')) path = path.slice(2);
    if (path.length > 0) return { kind: 'sqlite', path };
  } else if (/^rediss?:\/\/[^/\s]/.test(url)) {
    return { kind: 'redis', url };
  }
  throw new ValidationError('store URL', [
    {
      path: 'LIVEWATCH_STORE_URL',
      message: 'must be sqlite:<path>, sqlite::memory: or redis[s]://[user:pass@]host:port[/db]',
    },
  ]);
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
