/** Names of the versioned-document collections, as used in SQLite rows and Redis keys. */
export const COLLECTION_NAMES = [
  'snapshots',
  'ledgers',
  'groups',
  'breakers',
  'forwards',
  'silences',
] as const;
export type CollectionName = (typeof COLLECTION_NAMES)[number];

/** History entries kept per resource when `appendHistory` is called without a cap. */
export const DEFAULT_HISTORY_CAP = 200;

/**
 * Sent outbox messages are kept this long (so a re-enqueue of a delivered id stays a no-op and
 * `outboxStats().sent` means something), then pruned when later messages are marked sent.
 */
export const DEFAULT_SENT_RETENTION_MS = 7 * 24 * 3600 * 1000;

/**
 * The rate-limit log keeps entries for two windows, not one: `now` comes from each caller's clock,
 * and a caller whose clock is a little ahead must not prune entries a slower caller still counts.
 */
export const RATE_LOG_RETENTION_WINDOWS = 2;
