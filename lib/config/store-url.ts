/**
 * The one rule for LIVEWATCH_STORE_URL, used by the config schema and by createStore, so a URL that
 * passes config also opens (before, `redis:///0` passed the first and failed the second, and the
 * callback answered the Live service 400 for livewatch's own misconfiguration).
 */
export const STORE_URL_RULE =
  'must be sqlite:<path> or redis://[user:pass@]host[:port][/db] (rediss:// for TLS, sqlite::memory: for a throwaway store)';

/** A parsed LIVEWATCH_STORE_URL. */
export type StoreLocation =
  | { readonly kind: 'sqlite'; readonly path: string }
  | { readonly kind: 'redis'; readonly url: string };

/**
 * Reads `sqlite:<path>` (`sqlite::memory:`, `sqlite:./state.db`, `sqlite:///abs/state.db`) or
 * `redis[s]://[user:pass@]host[:port][/db]`; undefined for anything else.
 *
 * @example
 * storeLocationOf('redis://127.0.0.1:6379/0'); // { kind: 'redis', url: 'redis://127.0.0.1:6379/0' }
 * storeLocationOf('redis:///0'); // undefined (no host)
 */
export function storeLocationOf(url: string): StoreLocation | undefined {
  if (url.startsWith('sqlite:')) {
    let path = url.slice('sqlite:'.length);
    // `sqlite://x` and `sqlite:///abs` are common spellings of `sqlite:x` and `sqlite:/abs`.
    if (path.startsWith('//')) path = path.slice(2);
    return path.length > 0 ? { kind: 'sqlite', path } : undefined;
  }
  if (!/^rediss?:\/\/[^/\s]/.test(url)) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  const db = parsed.pathname.replace(/^\//, '');
  if (parsed.hostname === '' || (db !== '' && !/^\d{1,2}$/.test(db))) return undefined;
  return { kind: 'redis', url };
}
