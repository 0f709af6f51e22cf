import type { Store, StoredSnapshot, Versioned } from '../store/store.js';

/** Snapshots read at once while concluding a pass: memory is bounded by this, not by the task count. */
const UNSEEN_PAGE = 500;
/** An abandoned pass's seen-set is dropped by the store after this long. */
const PASS_RETENTION_MS = 24 * 3600 * 1000;

type StoredDoc = Versioned<StoredSnapshot> & { readonly key: string };

/**
 * The resources one pass over a scope has listed so far (a pass can span several ticks), and the
 * stored snapshots it has not: the candidates for "disappeared".
 */
export interface PassSeen {
  /** The store's name for the set, kept in the sweep cursor; undefined for a dry run's set in memory. */
  readonly pass: string | undefined;
  add(keys: readonly string[]): Promise<void>;
  /** The scope's stored snapshots not added, page by page. */
  unseen(prefix: string): AsyncIterable<StoredDoc>;
  end(): Promise<void>;
}

/**
 * The pass's seen-set: in the store (`Store.markSeen`), so a sweep's memory does not grow with the
 * number of tasks and a pass can continue on the next tick; what a dry run lists is kept in memory
 * instead (it writes nothing; its memory grows by one key per task, the CLI's concern only).
 */
export function openPassSeen(
  deps: { readonly store: Store; readonly dryRun: boolean },
  pass: { readonly id: string; readonly startedAt: number },
  now: () => number,
): PassSeen {
  const { store } = deps;
  // A dry run writes nothing: what it lists is held here, on top of the store's set of the pass it
  // continues (if any; a fresh pass id has none, so every snapshot is unseen there).
  const listedHere = deps.dryRun ? new Set<string>() : undefined;
  return {
    pass: deps.dryRun ? undefined : pass.id,
    add: async (keys) => {
      if (listedHere === undefined) return store.markSeen(pass.id, keys, pass.startedAt + PASS_RETENTION_MS);
      for (const key of keys) listedHere.add(key);
    },
    async *unseen(prefix) {
      let cursor: string | undefined;
      do {
        const page = await store.listUnseen(pass.id, prefix, {
          limit: UNSEEN_PAGE,
          ...(cursor ? { cursor } : {}),
        });
        for (const doc of page.items) if (!listedHere?.has(doc.key)) yield doc;
        cursor = page.cursor;
      } while (cursor !== undefined);
    },
    end: async () => {
      if (listedHere === undefined) await store.endPass(pass.id, now());
    },
  };
}
