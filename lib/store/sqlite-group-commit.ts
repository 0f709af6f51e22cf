import type BetterSqlite3 from 'better-sqlite3';

/** Runs work inside the next shared SQLite transaction; resolves once that transaction has committed. */
export interface GroupCommit {
  run<T>(work: () => T): Promise<T>;
  /** Commits what is queued now (before the database closes). */
  flush(): void;
}

interface Queued {
  readonly work: () => unknown;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
}

type Outcome =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly error: unknown };

/**
 * Group commit for the callback path's writes (docs/store.md, "Group commit"): work queued in the same
 * turn of the event loop (concurrent callbacks reach the store in one turn) runs in ONE `BEGIN IMMEDIATE`
 * transaction, each piece in a savepoint of its own, so a piece that throws is rolled back alone and
 * the others still commit. Every caller's promise settles only after the COMMIT returned, so an answer
 * never goes out before its write is durable; a failed BEGIN or COMMIT rejects every piece of the
 * batch (none of it was written). A commit writes the touched pages to the WAL once, whatever the
 * number of pieces: that page write is most of what a callback costs on SQLite.
 * @example const group = createGroupCommit(db); await group.run(() => insert.run(key));
 */
export function createGroupCommit(db: BetterSqlite3.Database): GroupCommit {
  let queue: Queued[] = [];
  let scheduled = false;

  const flush = (): void => {
    const batch = queue;
    queue = [];
    if (batch.length === 0) return;
    let outcomes: Outcome[];
    try {
      outcomes = db.transaction(() => batch.map((item) => runPiece(db, item.work))).immediate();
    } catch (error) {
      for (const item of batch) item.reject(error);
      return;
    }
    batch.forEach((item, index) => {
      const outcome = outcomes[index] as Outcome; // one outcome per item, by construction
      if (outcome.ok) item.resolve(outcome.value);
      else item.reject(outcome.error);
    });
  };

  return {
    run<T>(work: () => T): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        queue.push({ work, resolve: resolve as (value: unknown) => void, reject });
        if (scheduled) return;
        scheduled = true;
        // setImmediate, not a microtask: the requests read in this turn's I/O phase all join the batch.
        setImmediate(() => {
          scheduled = false;
          flush();
        });
      });
    },
    flush,
  };
}

/** One piece in its own savepoint (a nested better-sqlite3 transaction). */
function runPiece(db: BetterSqlite3.Database, work: () => unknown): Outcome {
  try {
    return { ok: true, value: db.transaction(work)() };
  } catch (error) {
    // Some errors (SQLITE_FULL, IOERR, BUSY…) make SQLite roll the whole transaction back: the pieces
    // before this one are gone too, so the batch must fail as a whole, never commit half of it.
    if (!db.inTransaction) throw error;
    return { ok: false, error };
  }
}
