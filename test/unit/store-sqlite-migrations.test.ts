import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { StoreIncompatibleError, StoreUnavailableError } from '../../lib/errors.js';
import { migrateSqlite, SQLITE_MIGRATIONS } from '../../lib/store/sqlite-migrations.js';
import { openSqliteStore } from '../../lib/store/sqlite-store.js';

const dir = mkdtempSync(join(tmpdir(), 'livewatch-migrations-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const latest = SQLITE_MIGRATIONS.at(-1)?.version ?? 0;

function inspect(file: string) {
  const db = new Database(file, { readonly: true });
  try {
    return {
      version: db.pragma('user_version', { simple: true }),
      journal: db.pragma('journal_mode', { simple: true }),
      tables: db
        .prepare<[], { name: string }>(`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`)
        .all()
        .map((row) => row.name),
    };
  } finally {
    db.close();
  }
}

describe('sqlite migrations', () => {
  it('creates the directory, the schema at the latest version, and a WAL file', async () => {
    const file = join(dir, 'nested', 'deeper', 'state.db');
    const store = await openSqliteStore({ path: file });
    await store.close();
    const state = inspect(file);
    expect(state.version).toBe(latest);
    expect(state.journal).toBe('wal');
    expect(state.tables).toEqual(
      expect.arrayContaining(['claims', 'docs', 'leases', 'outbox', 'history', 'rate_log', 'kv']),
    );
  });

  it('keeps data across reopen without re-running steps', async () => {
    const file = join(dir, 'reopen.db');
    const first = await openSqliteStore({ path: file });
    await first.forwards.put('k', { originalUrl: 'http://a', since: 1 }, null);
    await first.close();
    const second = await openSqliteStore({ path: file });
    expect(await second.forwards.get('k')).toEqual({
      value: { originalUrl: 'http://a', since: 1 },
      version: 1,
    });
    await second.close();
  });

  it('applies each step once when several connections open a new file together', async () => {
    const file = join(dir, 'together.db');
    const stores = await Promise.all(Array.from({ length: 5 }, () => openSqliteStore({ path: file })));
    await Promise.all(stores.map((store) => store.close()));
    expect(inspect(file).version).toBe(latest);
  });

  it('runs only the steps after the recorded version', () => {
    const db = new Database(':memory:');
    try {
      const steps = [
        { version: 1, name: 'one', sql: 'CREATE TABLE one (x INTEGER)' },
        { version: 2, name: 'two', sql: 'CREATE TABLE two (x INTEGER)' },
      ];
      expect(migrateSqlite(db, steps.slice(0, 1))).toBe(1);
      expect(migrateSqlite(db, steps)).toBe(2);
      expect(migrateSqlite(db, steps)).toBe(2);
    } finally {
      db.close();
    }
  });

  it('refuses a database written by a newer livewatch as a permanent error (not a transient 503)', async () => {
    const file = join(dir, 'newer.db');
    const db = new Database(file);
    db.pragma(`user_version = ${latest + 1}`);
    db.close();
    const error = await openSqliteStore({ path: file }).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(StoreIncompatibleError);
    expect(error).not.toBeInstanceOf(StoreUnavailableError);
    expect((error as StoreIncompatibleError).message).toMatch(/newer than this livewatch build/);
  });
});

describe('sqlite store under lock contention', () => {
  it('reports SQLITE_BUSY beyond the busy timeout as StoreUnavailableError', async () => {
    const file = join(dir, 'busy.db');
    const store = await openSqliteStore({ path: file, busyTimeoutMs: 20 });
    // Another connection (as another process would) holds the write lock.
    const other = new Database(file);
    other.exec('BEGIN IMMEDIATE');
    try {
      const error = await store.claim('k', 1_000, 0).then(
        () => undefined,
        (caught: unknown) => caught,
      );
      expect(error).toBeInstanceOf(StoreUnavailableError);
      expect((error as StoreUnavailableError).operation).toBe('claim');
      expect((error as StoreUnavailableError & { cause: { code?: string } }).cause.code).toBe('SQLITE_BUSY');
    } finally {
      other.exec('ROLLBACK');
      other.close();
    }
    expect(await store.claim('k', 1_000, 0)).toBe(true);
    await store.close();
  });
});
