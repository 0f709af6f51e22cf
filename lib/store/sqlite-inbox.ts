import type BetterSqlite3 from 'better-sqlite3';
import { checkInteger, checkKey, toJson } from './check-store-input.js';
import type { InboxEntry, InboxStats, NewInboxEntry } from './store.js';

interface InboxRow {
  key: string;
  event: string;
  created_at: number;
  attempts: number;
}

/**
 * The event inbox on SQLite (table `inbox`, migration 2), for SqliteStore: each operation is one
 * transaction; `add` also runs inside acceptCallback's transaction (as a savepoint).
 */
export function sqliteInbox(db: BetterSqlite3.Database) {
  const insert = db.prepare(
    `INSERT INTO inbox (key, event, created_at, due_at) VALUES (?, ?, ?, ?) ON CONFLICT (key) DO NOTHING`,
  );
  const add = (operation: string, entries: readonly NewInboxEntry[]): void => {
    const rows = entries.map((entry) => {
      checkKey(operation, 'key', entry.key);
      checkInteger(operation, 'dueAt', entry.dueAt, 0);
      return [entry.key, toJson(operation, 'event', entry.event), entry.createdAt, entry.dueAt] as const;
    });
    db.transaction(() => {
      for (const row of rows) insert.run(...row);
    }).immediate();
  };
  return {
    add,
    takeDue(now: number, limit: number, leaseMs: number): InboxEntry[] {
      checkInteger('takeDueInbox', 'limit', limit, 1);
      checkInteger('takeDueInbox', 'leaseMs', leaseMs, 1);
      return db
        .transaction((): InboxEntry[] => {
          const rows = db
            .prepare<[number, number, number], InboxRow>(
              `UPDATE inbox SET due_at = ?, attempts = attempts + 1
               WHERE key IN (SELECT key FROM inbox WHERE due_at <= ? ORDER BY due_at, key LIMIT ?)
               RETURNING key, event, created_at, attempts`,
            )
            .all(now + leaseMs, now, limit);
          return rows.map((row) => ({
            key: row.key,
            event: JSON.parse(row.event) as unknown,
            createdAt: row.created_at,
            attempts: row.attempts,
          }));
        })
        .immediate();
    },
    remove(keys: readonly string[]): void {
      const remove = db.prepare('DELETE FROM inbox WHERE key = ?');
      db.transaction(() => {
        for (const key of keys) remove.run(key);
      }).immediate();
    },
    stats(): InboxStats {
      const row = db
        .prepare<[], { pending: number; next: number | null }>(
          'SELECT COUNT(*) AS pending, MIN(due_at) AS next FROM inbox',
        )
        .get();
      const pending = row?.pending ?? 0;
      return row?.next == null ? { pending } : { pending, nextDueAt: row.next };
    },
  };
}
