import type BetterSqlite3 from 'better-sqlite3';
import { StoreIncompatibleError } from '../errors.js';

export interface SqliteMigration {
  /** 1, 2, 3…: the value `PRAGMA user_version` holds once this step has run. */
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

/**
 * Ordered schema steps. Append new steps at the end, never edit a released one: a database records
 * the last step applied in `PRAGMA user_version` and runs only the steps after it.
 */
export const SQLITE_MIGRATIONS: readonly SqliteMigration[] = [
  {
    version: 1,
    name: 'initial schema',
    sql: `
      CREATE TABLE claims (
        key TEXT PRIMARY KEY,
        expires_at INTEGER NOT NULL
      ) WITHOUT ROWID;
      CREATE INDEX claims_by_expiry ON claims (expires_at);

      CREATE TABLE docs (
        collection TEXT NOT NULL,
        key TEXT NOT NULL,
        version INTEGER NOT NULL,
        value TEXT NOT NULL,
        PRIMARY KEY (collection, key)
      ) WITHOUT ROWID;

      CREATE TABLE leases (
        name TEXT PRIMARY KEY,
        holder TEXT NOT NULL,
        expires_at INTEGER NOT NULL
      ) WITHOUT ROWID;

      CREATE TABLE outbox (
        id TEXT PRIMARY KEY,
        channel TEXT NOT NULL,
        payload TEXT NOT NULL,
        due_at INTEGER NOT NULL,
        created_at INTEGER NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        last_error TEXT,
        status TEXT NOT NULL CHECK (status IN ('pending', 'sent', 'dead')),
        lease_until INTEGER NOT NULL DEFAULT 0,
        sent_at INTEGER
      );
      CREATE INDEX outbox_by_status_due ON outbox (status, due_at, id);
      CREATE INDEX outbox_by_status_sent ON outbox (status, sent_at);

      CREATE TABLE history (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        resource_key TEXT NOT NULL,
        entry TEXT NOT NULL
      );
      CREATE INDEX history_by_key ON history (resource_key, seq);

      CREATE TABLE rate_log (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        key TEXT NOT NULL,
        at INTEGER NOT NULL
      );
      CREATE INDEX rate_log_by_key ON rate_log (key, at);

      CREATE TABLE kv (
        name TEXT PRIMARY KEY,
        value TEXT NOT NULL
      ) WITHOUT ROWID;
    `,
  },
  {
    version: 2,
    name: 'event inbox',
    sql: `
      CREATE TABLE inbox (
        key TEXT PRIMARY KEY,
        event TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        due_at INTEGER NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0
      ) WITHOUT ROWID;
      CREATE INDEX inbox_by_due ON inbox (due_at, key);
    `,
  },
];

/**
 * Brings the schema up to date. Each step runs in its own BEGIN IMMEDIATE transaction together with
 * the `user_version` bump, and the version is re-read inside it, so two processes opening one new
 * file at once apply every step exactly once. Returns the resulting schema version.
 */
export function migrateSqlite(
  db: BetterSqlite3.Database,
  migrations: readonly SqliteMigration[] = SQLITE_MIGRATIONS,
): number {
  const latest = migrations.at(-1)?.version ?? 0;
  const current = (): number => Number(db.pragma('user_version', { simple: true }));
  if (current() > latest) {
    throw new StoreIncompatibleError(
      `database schema version ${current()} is newer than this livewatch build supports (${latest}); upgrade livewatch`,
    );
  }
  for (const migration of migrations) {
    db.transaction(() => {
      if (current() >= migration.version) return;
      db.exec(migration.sql);
      // PRAGMA takes no bound parameters; the version is an integer from our own list.
      db.pragma(`user_version = ${Math.trunc(migration.version)}`);
    }).immediate();
  }
  return current();
}
