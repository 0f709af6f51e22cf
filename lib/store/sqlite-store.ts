import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import type { Logger } from '../log.js';
import { checkCounters, checkInteger, checkKey, toJson } from './check-store-input.js';
import { mergeCallbackSnapshot } from './merge-callback-snapshot.js';
import { readDocument } from './read-document.js';
import { createGroupCommit, type GroupCommit } from './sqlite-group-commit.js';
import { sqliteInbox } from './sqlite-inbox.js';
import { migrateSqlite, SQLITE_MIGRATIONS } from './sqlite-migrations.js';
import type {
  BreakerState,
  CallbackAcceptance,
  CallbackArrival,
  CasResult,
  DocumentPage,
  ForwardTarget,
  Heartbeat,
  HistoryEntry,
  InboxEntry,
  InboxStats,
  ListPageOptions,
  NewInboxEntry,
  NewOutboxMessage,
  NotificationGroup,
  OutboxMessage,
  OutboxStats,
  RestartLedger,
  Silence,
  Store,
  StoredSnapshot,
  SweepCursor,
  UnseenPage,
  UnseenPageRequest,
  Versioned,
  VersionedCollection,
} from './store.js';
import {
  type CollectionName,
  DEFAULT_HISTORY_CAP,
  DEFAULT_SENT_RETENTION_MS,
  RATE_LOG_RETENTION_WINDOWS,
} from './store-defaults.js';
import { guardStoreCall } from './to-store-error.js';

export interface SqliteStoreOptions {
  /** File path, or `:memory:` (one connection only: nothing is shared between processes). */
  readonly path: string;
  readonly log?: Logger;
  /**
   * `NORMAL` (default): in WAL mode a commit survives a crash or SIGKILL of the process, and the file
   * never corrupts; only a power loss / OS crash may roll back the last few commits. That is the
   * right trade for state that the API can rebuild (snapshots) and is cheaper per write (no fsync
   * per commit). `FULL` fsyncs every commit, for hosts where power loss must not lose a claim.
   */
  readonly synchronous?: 'NORMAL' | 'FULL';
  /** How long a writer waits for another process's write lock before failing (SQLITE_BUSY). */
  readonly busyTimeoutMs?: number;
  readonly sentRetentionMs?: number;
}

interface DocRow {
  readonly key: string;
  readonly version: number;
  readonly value: string;
}

interface OutboxRow {
  readonly id: string;
  readonly channel: string;
  readonly payload: string;
  readonly due_at: number;
  readonly created_at: number;
  readonly attempts: number;
  readonly last_error: string | null;
}

/** The docs-table collections holding per-pass seen-sets: `seen:<pass>` (see markSeen). */
const SEEN_PREFIX = 'seen:';
/** The first collection name after every `seen:…` one (';' follows ':'). */
const SEEN_PREFIX_END = 'seen;';

/** Claims are garbage-collected every this many claims (expired rows are otherwise only overwritten). */
const CLAIM_GC_EVERY = 256;

/**
 * Opens (creating if needed) the embedded SQLite store: one file, WAL, versioned migrations, and
 * every read-modify-write in a BEGIN IMMEDIATE transaction so several processes can share the file.
 * @example const store = await openSqliteStore({ path: './.livewatch/state.db' });
 */
export async function openSqliteStore(options: SqliteStoreOptions): Promise<Store> {
  return guardStoreCall('open', async () => {
    // Loaded lazily: the native module is external to the FC bundles, which use Redis.
    const { default: Database } = await import('better-sqlite3');
    const memory = options.path === ':memory:';
    const file = memory ? options.path : resolve(options.path);
    if (!memory) mkdirSync(dirname(file), { recursive: true });
    const db = new Database(file);
    cacheStatements(db);
    try {
      db.pragma(`busy_timeout = ${Math.trunc(options.busyTimeoutMs ?? 5_000)}`);
      if (!memory) db.pragma('journal_mode = WAL');
      // After a checkpoint, shrink a WAL that grew under a long reader back to 64 MiB at most.
      db.pragma('journal_size_limit = 67108864');
      db.pragma(`synchronous = ${options.synchronous === 'FULL' ? 'FULL' : 'NORMAL'}`);
      migrateSqlite(db);
    } catch (error) {
      db.close();
      throw error;
    }
    options.log?.debug('sqlite store opened', { path: file });
    return new SqliteStore(db, options.sentRetentionMs ?? DEFAULT_SENT_RETENTION_MS);
  });
}

/**
 * Makes `db.prepare` return one compiled statement per SQL text. The adapter writes its SQL inline
 * where it is used (easier to read) and this keeps that from re-compiling on every call. Safe because
 * statements are only used with run/get/all, never left mid-iteration.
 */
function cacheStatements(db: BetterSqlite3.Database): void {
  const prepare = db.prepare.bind(db);
  const cache = new Map<string, BetterSqlite3.Statement>();
  db.prepare = ((sql: string) => {
    let statement = cache.get(sql);
    if (statement === undefined) {
      statement = prepare(sql);
      cache.set(sql, statement);
    }
    return statement;
  }) as typeof db.prepare;
}

function toVersioned<T>(row: DocRow): Versioned<T> {
  return { value: JSON.parse(row.value) as T, version: row.version };
}

/** Appends one history entry and keeps only the newest `cap` (inside the caller's transaction). */
function appendHistoryRow(db: BetterSqlite3.Database, resourceKey: string, json: string, cap: number): void {
  db.prepare('INSERT INTO history (resource_key, entry) VALUES (?, ?)').run(resourceKey, json);
  db.prepare(
    `DELETE FROM history WHERE resource_key = ? AND seq <= (
       SELECT seq FROM history WHERE resource_key = ? ORDER BY seq DESC LIMIT 1 OFFSET ?)`,
  ).run(resourceKey, resourceKey, cap);
}

class SqliteStore implements Store {
  readonly kind = 'sqlite' as const;
  readonly snapshots: VersionedCollection<StoredSnapshot>;
  readonly ledgers: VersionedCollection<RestartLedger>;
  readonly groups: VersionedCollection<NotificationGroup>;
  readonly breakers: VersionedCollection<BreakerState>;
  readonly forwards: VersionedCollection<ForwardTarget>;
  readonly silences: VersionedCollection<Silence>;

  readonly #db: BetterSqlite3.Database;
  readonly #sentRetentionMs: number;
  readonly #inbox: ReturnType<typeof sqliteInbox>;
  /** The callback path's writes (acceptCallback, addCounters) commit together (docs/store.md, "Group commit"). */
  readonly #group: GroupCommit;
  #claimsSinceGc = 0;

  constructor(db: BetterSqlite3.Database, sentRetentionMs: number) {
    this.#db = db;
    this.#group = createGroupCommit(db);
    this.#inbox = sqliteInbox(db);
    this.#sentRetentionMs = sentRetentionMs;
    this.snapshots = new SqliteCollection(db, 'snapshots');
    this.ledgers = new SqliteCollection(db, 'ledgers');
    this.groups = new SqliteCollection(db, 'groups');
    this.breakers = new SqliteCollection(db, 'breakers');
    this.forwards = new SqliteCollection(db, 'forwards');
    this.silences = new SqliteCollection(db, 'silences');
  }

  ping(): Promise<void> {
    return guardStoreCall('ping', () => {
      this.#db.prepare('SELECT 1').get();
    });
  }

  schemaVersion(): Promise<{ stored: number; supported: number }> {
    return guardStoreCall('schemaVersion', () => ({
      stored: Number(this.#db.pragma('user_version', { simple: true })),
      supported: SQLITE_MIGRATIONS.at(-1)?.version ?? 0,
    }));
  }

  async close(): Promise<void> {
    if (!this.#db.open) return;
    await guardStoreCall('close', () => {
      this.#group.flush();
      this.#db.close();
    });
  }

  claim(key: string, ttlMs: number, now: number): Promise<boolean> {
    return guardStoreCall('claim', () => {
      checkKey('claim', 'key', key);
      checkInteger('claim', 'ttlMs', ttlMs, 1);
      const won = this.#db
        .prepare(
          `INSERT INTO claims (key, expires_at) VALUES (?, ?)
           ON CONFLICT (key) DO UPDATE SET expires_at = excluded.expires_at WHERE claims.expires_at <= ?`,
        )
        .run(key, now + ttlMs, now);
      this.#claimsSinceGc += 1;
      if (this.#claimsSinceGc >= CLAIM_GC_EVERY) {
        this.#claimsSinceGc = 0;
        this.#db
          .prepare(
            'DELETE FROM claims WHERE key IN (SELECT key FROM claims WHERE expires_at <= ? LIMIT 1000)',
          )
          .run(now);
      }
      return won.changes === 1;
    });
  }

  release(key: string): Promise<void> {
    return guardStoreCall('release', () => {
      this.#db.prepare('DELETE FROM claims WHERE key = ?').run(key);
    });
  }

  extendClaim(key: string, ttlMs: number, now: number): Promise<void> {
    return guardStoreCall('extendClaim', () => {
      checkKey('extendClaim', 'key', key);
      checkInteger('extendClaim', 'ttlMs', ttlMs, 1);
      this.#db
        .prepare(
          `INSERT INTO claims (key, expires_at) VALUES (?, ?)
           ON CONFLICT (key) DO UPDATE SET expires_at = max(claims.expires_at, excluded.expires_at)`,
        )
        .run(key, now + ttlMs);
    });
  }

  acceptCallback(arrival: CallbackArrival): Promise<CallbackAcceptance> {
    return guardStoreCall('acceptCallback', () => {
      const { claim, now, resourceKey } = arrival;
      checkKey('acceptCallback', 'claim.key', claim.key);
      checkInteger('acceptCallback', 'claim.ttlMs', claim.ttlMs, 1);
      checkKey('acceptCallback', 'resourceKey', resourceKey);
      const cap = arrival.historyCap ?? DEFAULT_HISTORY_CAP;
      checkInteger('acceptCallback', 'historyCap', cap, 1);
      const entry = toJson('acceptCallback', 'history', arrival.history);
      const db = this.#db;
      const getDoc = db.prepare<[string, string], DocRow>(
        'SELECT key, version, value FROM docs WHERE collection = ? AND key = ?',
      );
      // One transaction (shared with the concurrent callbacks' by the group commit, in a savepoint of its
      // own): the claim, the history entry, the inbox entry and the snapshot commit together.
      return this.#group.run((): CallbackAcceptance => {
        const won = db
          .prepare(
            `INSERT INTO claims (key, expires_at) VALUES (?, ?)
               ON CONFLICT (key) DO UPDATE SET expires_at = excluded.expires_at WHERE claims.expires_at <= ?`,
          )
          .run(claim.key, now + claim.ttlMs, now);
        if (won.changes !== 1) return { claimed: false };
        appendHistoryRow(db, resourceKey, entry, cap);
        if (arrival.inbox) {
          const { event, dueAt } = arrival.inbox;
          this.#inbox.add('acceptCallback', [{ key: claim.key, event, createdAt: now, dueAt }]);
        }
        const row = getDoc.get('snapshots', resourceKey);
        const previous = row === undefined ? undefined : toVersioned<StoredSnapshot>(row);
        const forwardRow = getDoc.get('forwards', resourceKey);
        const forward = forwardRow === undefined ? undefined : toVersioned<ForwardTarget>(forwardRow).value;
        const next = arrival.snapshot && mergeCallbackSnapshot(previous?.value, arrival.snapshot);
        let writtenVersion: number | undefined;
        if (next !== undefined) {
          writtenVersion = (previous?.version ?? 0) + 1;
          db.prepare(
            `INSERT INTO docs (collection, key, version, value) VALUES ('snapshots', ?, ?, ?)
               ON CONFLICT (collection, key) DO UPDATE SET version = excluded.version, value = excluded.value`,
          ).run(resourceKey, writtenVersion, JSON.stringify(next));
        }
        return { claimed: true, previous, writtenVersion, forward };
      });
    });
  }

  moveTask(fromKey: string, toKey: string, oldTaskId: string): Promise<void> {
    return guardStoreCall('moveTask', () => {
      checkKey('moveTask', 'fromKey', fromKey);
      checkKey('moveTask', 'toKey', toKey);
      if (fromKey === toKey) return;
      const db = this.#db;
      const getDoc = db.prepare<[string, string], DocRow>(
        'SELECT key, version, value FROM docs WHERE collection = ? AND key = ?',
      );
      const upsert = db.prepare(
        `INSERT INTO docs (collection, key, version, value) VALUES (?, ?, 1, ?)
         ON CONFLICT (collection, key) DO UPDATE SET version = docs.version + 1, value = excluded.value`,
      );
      const remove = db.prepare('DELETE FROM docs WHERE collection = ? AND key = ?');
      db.transaction(() => {
        // The ledger moves (with the old id appended to its lineage) and replaces any ledger at the new key.
        const ledger = getDoc.get('ledgers', fromKey);
        if (ledger) {
          const value = JSON.parse(ledger.value) as RestartLedger;
          const lineage = value.lineage.at(-1) === oldTaskId ? value.lineage : [...value.lineage, oldTaskId];
          upsert.run('ledgers', toKey, JSON.stringify({ ...value, lineage }));
          remove.run('ledgers', fromKey);
        }
        // A snapshot already at the new key is a newer observation of the new task: it wins.
        const snapshot = getDoc.get('snapshots', fromKey);
        if (snapshot) {
          if (!getDoc.get('snapshots', toKey)) upsert.run('snapshots', toKey, snapshot.value);
          remove.run('snapshots', fromKey);
        }
        db.prepare('UPDATE history SET resource_key = ? WHERE resource_key = ?').run(toKey, fromKey);
      }).immediate();
    });
  }

  markSeen(pass: string, keys: readonly string[], expiresAt: number): Promise<void> {
    return guardStoreCall('markSeen', () => {
      checkKey('markSeen', 'pass', pass);
      checkInteger('markSeen', 'expiresAt', expiresAt, 0);
      const db = this.#db;
      // A pass's set lives in the docs table as collection `seen:<pass>` (value: its expiry), so the
      // unseen query below is one anti-join on the primary key and no schema step is needed.
      const insert = db.prepare(
        `INSERT INTO docs (collection, key, version, value) VALUES (?, ?, 1, ?)
         ON CONFLICT (collection, key) DO NOTHING`,
      );
      db.transaction(() => {
        for (const key of keys) insert.run(`${SEEN_PREFIX}${pass}`, key, String(expiresAt));
      }).immediate();
    });
  }

  listUnseen(pass: string, prefix: string, page: UnseenPageRequest): Promise<UnseenPage> {
    return guardStoreCall('listUnseen', () => {
      checkKey('listUnseen', 'pass', pass);
      checkInteger('listUnseen', 'limit', page.limit, 1);
      const rows = this.#db
        .prepare<[string, string, string, string, number], DocRow>(
          `SELECT s.key, s.version, s.value FROM docs s
           WHERE s.collection = 'snapshots' AND s.key >= ? AND s.key > ? AND instr(s.key, ?) = 1
             AND NOT EXISTS (SELECT 1 FROM docs p WHERE p.collection = ? AND p.key = s.key)
           ORDER BY s.key LIMIT ?`,
        )
        .all(prefix, page.cursor ?? '', prefix, `${SEEN_PREFIX}${pass}`, page.limit + 1);
      const items = rows
        .slice(0, page.limit)
        .map((row) => ({ key: row.key, ...toVersioned<StoredSnapshot>(row) }));
      const last = items.at(-1);
      return rows.length > page.limit && last !== undefined ? { items, cursor: last.key } : { items };
    });
  }

  endPass(pass: string, now: number): Promise<void> {
    return guardStoreCall('endPass', () => {
      const db = this.#db;
      db.transaction(() => {
        db.prepare('DELETE FROM docs WHERE collection = ?').run(`${SEEN_PREFIX}${pass}`);
        // Abandoned passes (settings changed, scope dropped): their collections, by the expiry in value.
        db.prepare(
          `DELETE FROM docs WHERE collection >= ? AND collection < ? AND CAST(value AS INTEGER) < ?`,
        ).run(SEEN_PREFIX, SEEN_PREFIX_END, now);
      }).immediate();
    });
  }

  acquireLease(name: string, holder: string, ttlMs: number, now: number): Promise<boolean> {
    return guardStoreCall('acquireLease', () => {
      checkKey('acquireLease', 'name', name);
      checkKey('acquireLease', 'holder', holder);
      checkInteger('acquireLease', 'ttlMs', ttlMs, 1);
      const result = this.#db
        .prepare(
          `INSERT INTO leases (name, holder, expires_at) VALUES (?, ?, ?)
           ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
           WHERE leases.holder = excluded.holder OR leases.expires_at <= ?`,
        )
        .run(name, holder, now + ttlMs, now);
      return result.changes === 1;
    });
  }

  releaseLease(name: string, holder: string): Promise<void> {
    return guardStoreCall('releaseLease', () => {
      this.#db.prepare('DELETE FROM leases WHERE name = ? AND holder = ?').run(name, holder);
    });
  }

  enqueueOutbox(message: NewOutboxMessage): Promise<boolean> {
    return guardStoreCall('enqueueOutbox', () => {
      checkKey('enqueueOutbox', 'id', message.id);
      checkKey('enqueueOutbox', 'channel', message.channel);
      const payload = toJson('enqueueOutbox', 'payload', message.payload);
      const result = this.#db
        .prepare(
          `INSERT INTO outbox (id, channel, payload, due_at, created_at, status)
           VALUES (?, ?, ?, ?, ?, 'pending') ON CONFLICT (id) DO NOTHING`,
        )
        .run(message.id, message.channel, payload, message.dueAt, message.createdAt);
      return result.changes === 1;
    });
  }

  takeDueOutbox(now: number, limit: number, leaseMs: number): Promise<OutboxMessage[]> {
    return guardStoreCall('takeDueOutbox', () => {
      checkInteger('takeDueOutbox', 'limit', limit, 1);
      checkInteger('takeDueOutbox', 'leaseMs', leaseMs, 1);
      const db = this.#db;
      return db
        .transaction(() => {
          const rows = db
            .prepare<[number, number, number], OutboxRow>(
              `SELECT id, channel, payload, due_at, created_at, attempts, last_error FROM outbox
               WHERE status = 'pending' AND due_at <= ? AND lease_until <= ?
               ORDER BY due_at, id LIMIT ?`,
            )
            .all(now, now, limit);
          const hide = db.prepare('UPDATE outbox SET lease_until = ? WHERE id = ?');
          for (const row of rows) hide.run(now + leaseMs, row.id);
          return rows.map(toOutboxMessage);
        })
        .immediate();
    });
  }

  markOutboxSent(id: string, now: number): Promise<void> {
    return guardStoreCall('markOutboxSent', () => {
      const db = this.#db;
      db.transaction(() => {
        db.prepare(
          `UPDATE outbox SET status = 'sent', sent_at = ?, lease_until = 0 WHERE id = ? AND status = 'pending'`,
        ).run(now, id);
        db.prepare(`DELETE FROM outbox WHERE status = 'sent' AND sent_at <= ?`).run(
          now - this.#sentRetentionMs,
        );
      }).immediate();
    });
  }

  markOutboxFailed(id: string, retryAt: number, error: string, countAttempt = true): Promise<void> {
    return guardStoreCall('markOutboxFailed', () => {
      this.#db
        .prepare(
          `UPDATE outbox SET attempts = attempts + ?, last_error = ?, due_at = ?, lease_until = 0
           WHERE id = ? AND status = 'pending'`,
        )
        .run(countAttempt ? 1 : 0, error, retryAt, id);
    });
  }

  markOutboxDead(id: string, error: string): Promise<void> {
    return guardStoreCall('markOutboxDead', () => {
      this.#db
        .prepare(
          `UPDATE outbox SET status = 'dead', attempts = attempts + 1, last_error = ?, lease_until = 0
           WHERE id = ? AND status = 'pending'`,
        )
        .run(error, id);
    });
  }

  outboxStats(): Promise<OutboxStats> {
    return guardStoreCall('outboxStats', () => {
      const row = this.#db
        .prepare<[], { pending: number; sent: number; dead: number; oldest: number | null }>(
          `SELECT
             COALESCE(SUM(status = 'pending'), 0) AS pending,
             COALESCE(SUM(status = 'sent'), 0) AS sent,
             COALESCE(SUM(status = 'dead'), 0) AS dead,
             MIN(CASE WHEN status = 'pending' THEN due_at END) AS oldest
           FROM outbox`,
        )
        .get();
      const counts = { pending: row?.pending ?? 0, sent: row?.sent ?? 0, dead: row?.dead ?? 0 };
      return row?.oldest == null ? counts : { ...counts, oldestDueAt: row.oldest };
    });
  }

  addToInbox(entries: readonly NewInboxEntry[]): Promise<void> {
    return guardStoreCall('addToInbox', () => this.#inbox.add('addToInbox', entries));
  }

  takeDueInbox(now: number, limit: number, leaseMs: number): Promise<InboxEntry[]> {
    return guardStoreCall('takeDueInbox', () => this.#inbox.takeDue(now, limit, leaseMs));
  }

  removeFromInbox(keys: readonly string[]): Promise<void> {
    return guardStoreCall('removeFromInbox', () => this.#inbox.remove(keys));
  }

  inboxStats(): Promise<InboxStats> {
    return guardStoreCall('inboxStats', () => this.#inbox.stats());
  }

  appendHistory(resourceKey: string, entry: HistoryEntry, cap = DEFAULT_HISTORY_CAP): Promise<void> {
    return guardStoreCall('appendHistory', () => {
      checkKey('appendHistory', 'resourceKey', resourceKey);
      checkInteger('appendHistory', 'cap', cap, 1);
      const json = toJson('appendHistory', 'entry', entry);
      const db = this.#db;
      db.transaction(() => appendHistoryRow(db, resourceKey, json, cap)).immediate();
    });
  }

  getHistory(resourceKey: string, limit?: number): Promise<HistoryEntry[]> {
    return guardStoreCall('getHistory', () => {
      if (limit !== undefined) checkInteger('getHistory', 'limit', limit, 0);
      const rows = this.#db
        .prepare<[string, number], { entry: string }>(
          'SELECT entry FROM history WHERE resource_key = ? ORDER BY seq DESC LIMIT ?',
        )
        .all(resourceKey, limit ?? -1);
      return rows.map((row) => JSON.parse(row.entry) as HistoryEntry);
    });
  }

  acquireRate(key: string, limit: number, windowMs: number, now: number): Promise<number> {
    return guardStoreCall('acquireRate', () => {
      checkKey('acquireRate', 'key', key);
      checkInteger('acquireRate', 'limit', limit, 1);
      checkInteger('acquireRate', 'windowMs', windowMs, 1);
      const db = this.#db;
      return db
        .transaction(() => {
          db.prepare('DELETE FROM rate_log WHERE key = ? AND at <= ?').run(
            key,
            now - windowMs * RATE_LOG_RETENTION_WINDOWS,
          );
          // Entries "from the future" (a caller whose clock runs ahead) count too: never over-grant.
          const count =
            db
              .prepare<[string, number], { n: number }>(
                'SELECT COUNT(*) AS n FROM rate_log WHERE key = ? AND at > ?',
              )
              .get(key, now - windowMs)?.n ?? 0;
          if (count < limit) {
            db.prepare('INSERT INTO rate_log (key, at) VALUES (?, ?)').run(key, now);
            return 0;
          }
          // The slot frees when the entry that must leave for the count to drop below `limit` ages out.
          const blocking = db
            .prepare<[string, number, number], { at: number }>(
              'SELECT at FROM rate_log WHERE key = ? AND at > ? ORDER BY at LIMIT 1 OFFSET ?',
            )
            .get(key, now - windowMs, count - limit);
          return Math.max(1, (blocking?.at ?? now) + windowMs - now);
        })
        .immediate();
    });
  }

  settleRate(key: string, recordedAt: number, arrivedBy: number): Promise<void> {
    return guardStoreCall('settleRate', () => {
      checkKey('settleRate', 'key', key);
      checkInteger('settleRate', 'recordedAt', recordedAt, 0);
      checkInteger('settleRate', 'arrivedBy', arrivedBy, 0);
      if (arrivedBy >= recordedAt) return;
      this.#db
        .prepare(
          'UPDATE rate_log SET at = ? WHERE rowid = (SELECT rowid FROM rate_log WHERE key = ? AND at = ? LIMIT 1)',
        )
        .run(arrivedBy, key, recordedAt);
    });
  }

  putHeartbeat(heartbeat: Heartbeat): Promise<void> {
    return guardStoreCall('putHeartbeat', () => {
      this.#putKv('heartbeat', toJson('putHeartbeat', 'heartbeat', heartbeat));
    });
  }

  getHeartbeat(): Promise<Heartbeat | undefined> {
    return guardStoreCall('getHeartbeat', () => this.#getKv<Heartbeat>('heartbeat'));
  }

  putSweepCursor(cursor: SweepCursor | undefined): Promise<void> {
    return guardStoreCall('putSweepCursor', () => {
      if (cursor === undefined) this.#db.prepare('DELETE FROM kv WHERE name = ?').run('sweep-cursor');
      else this.#putKv('sweep-cursor', toJson('putSweepCursor', 'cursor', cursor));
    });
  }

  getSweepCursor(): Promise<SweepCursor | undefined> {
    return guardStoreCall('getSweepCursor', () => this.#getKv<SweepCursor>('sweep-cursor'));
  }

  addCounters(increments: Readonly<Record<string, number>>): Promise<void> {
    return guardStoreCall('addCounters', () => {
      const entries = checkCounters(increments);
      if (entries.length === 0) return;
      // Every callback answer records its counters: they join the callbacks' group commit.
      return this.#group.run(() => {
        const counters = this.#getKv<Record<string, number>>('counters') ?? {};
        for (const [name, value] of entries) counters[name] = (counters[name] ?? 0) + value;
        this.#putKv('counters', JSON.stringify(counters));
      });
    });
  }

  getCounters(): Promise<Record<string, number>> {
    return guardStoreCall('getCounters', () => this.#getKv<Record<string, number>>('counters') ?? {});
  }

  #putKv(name: string, json: string): void {
    this.#db
      .prepare(
        'INSERT INTO kv (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value',
      )
      .run(name, json);
  }

  #getKv<T>(name: string): T | undefined {
    const row = this.#db
      .prepare<[string], { value: string }>('SELECT value FROM kv WHERE name = ?')
      .get(name);
    return row === undefined ? undefined : (JSON.parse(row.value) as T);
  }
}

class SqliteCollection<T> implements VersionedCollection<T> {
  readonly #db: BetterSqlite3.Database;
  readonly #name: CollectionName;

  constructor(db: BetterSqlite3.Database, name: CollectionName) {
    this.#db = db;
    this.#name = name;
  }

  /** Parsed on read by the collection's shape (read-document.ts), never cast. */
  #versioned(key: string, row: { readonly value: string; readonly version: number }): Versioned<T> {
    return { value: readDocument<T>(this.#name, key, row.value), version: row.version };
  }

  get(key: string): Promise<Versioned<T> | undefined> {
    return guardStoreCall(`${this.#name}.get`, () => {
      const row = this.#getRow(key);
      return row === undefined ? undefined : this.#versioned(key, row);
    });
  }

  put(key: string, value: T, expectedVersion: number | null): Promise<CasResult<T>> {
    const operation = `${this.#name}.put`;
    return guardStoreCall(operation, () => {
      checkKey(operation, 'key', key);
      if (expectedVersion !== null) checkInteger(operation, 'expectedVersion', expectedVersion, 1);
      const json = toJson(operation, 'value', value);
      const db = this.#db;
      return db
        .transaction((): CasResult<T> => {
          const row = this.#getRow(key);
          const currentVersion = row?.version ?? null;
          if (currentVersion !== expectedVersion) {
            return {
              ok: false,
              current: row === undefined ? undefined : this.#versioned(key, row),
            };
          }
          const version = (currentVersion ?? 0) + 1;
          db.prepare(
            `INSERT INTO docs (collection, key, version, value) VALUES (?, ?, ?, ?)
             ON CONFLICT (collection, key) DO UPDATE SET version = excluded.version, value = excluded.value`,
          ).run(this.#name, key, version, json);
          return { ok: true, version };
        })
        .immediate();
    });
  }

  delete(key: string, expectedVersion: number | null): Promise<boolean> {
    return guardStoreCall(`${this.#name}.delete`, () => {
      const result =
        expectedVersion === null
          ? this.#db.prepare('DELETE FROM docs WHERE collection = ? AND key = ?').run(this.#name, key)
          : this.#db
              .prepare('DELETE FROM docs WHERE collection = ? AND key = ? AND version = ?')
              .run(this.#name, key, expectedVersion);
      return result.changes === 1;
    });
  }

  list(prefix = ''): Promise<Array<Versioned<T> & { readonly key: string }>> {
    return guardStoreCall(`${this.#name}.list`, () => {
      // BINARY collation orders by UTF-8 bytes, i.e. by code point: the same order the Redis adapter sorts into.
      const rows = this.#db
        .prepare<[string, string, string], DocRow>(
          `SELECT key, version, value FROM docs
           WHERE collection = ? AND key >= ? AND instr(key, ?) = 1 ORDER BY key`,
        )
        .all(this.#name, prefix, prefix);
      return rows.map((row) => ({ key: row.key, ...this.#versioned(row.key, row) }));
    });
  }

  listPage(options: ListPageOptions): Promise<DocumentPage<T>> {
    return guardStoreCall(`${this.#name}.listPage`, () => {
      const { prefix = '', after = '', limit } = options;
      checkInteger(`${this.#name}.listPage`, 'limit', limit, 1);
      const rows = this.#db
        .prepare<[string, string, string, string, number], DocRow>(
          `SELECT key, version, value FROM docs
           WHERE collection = ? AND key >= ? AND key > ? AND instr(key, ?) = 1 ORDER BY key LIMIT ?`,
        )
        .all(this.#name, prefix, after, prefix, limit + 1);
      const items = rows.slice(0, limit).map((row) => ({ key: row.key, ...this.#versioned(row.key, row) }));
      const last = items.at(-1);
      return rows.length > limit && last ? { items, next: last.key } : { items };
    });
  }

  #getRow(key: string): DocRow | undefined {
    return this.#db
      .prepare<[string, string], DocRow>(
        'SELECT key, version, value FROM docs WHERE collection = ? AND key = ?',
      )
      .get(this.#name, key);
  }
}

function toOutboxMessage(row: OutboxRow): OutboxMessage {
  const message: OutboxMessage = {
    id: row.id,
    channel: row.channel,
    payload: JSON.parse(row.payload) as unknown,
    dueAt: row.due_at,
    createdAt: row.created_at,
    attempts: row.attempts,
  };
  return row.last_error === null ? message : { ...message, lastError: row.last_error };
}
