import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { StoreUnavailableError } from '../../lib/errors.js';
import { createStore } from '../../lib/store/create-store.js';
import type { CallbackArrival, StoredSnapshot } from '../../lib/store/store.js';

/** A callback for `task` (a hint: no snapshot patch), claimed under `key`. */
function arrival(key: string, task: string): CallbackArrival {
  return {
    claim: { key, ttlMs: 60_000 },
    now: 1_000,
    resourceKey: `relay:cn-shanghai:${task}`,
    history: { at: 1_000, type: 'event', message: `callback for ${task}` },
  };
}

const snapshot: StoredSnapshot = {
  resource: {
    kind: 'relay',
    taskId: 'bad',
    region: 'cn-shanghai',
    status: 1,
    state: 'running',
    sourceUrls: [],
  },
  observedAt: 1,
  stateSince: 1,
};

describe('sqlite group commit (callbacks that arrive together share one transaction)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'livewatch-group-commit-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('rolls back only the callback that failed; the others in its transaction commit', async () => {
    const file = join(dir, 'failing-piece.db');
    const store = await createStore(`sqlite:${file}`);
    try {
      await store.snapshots.put('relay:cn-shanghai:bad', snapshot, null);
      // A stored row that no longer parses (written by hand): reading it inside acceptCallback throws.
      const raw = new Database(file);
      raw.prepare("UPDATE docs SET value = 'not json' WHERE collection = 'snapshots'").run();
      raw.close();

      const [good, bad, alsoGood] = await Promise.allSettled([
        store.acceptCallback(arrival('cb:1', 'good')),
        store.acceptCallback(arrival('cb:2', 'bad')),
        store.acceptCallback(arrival('cb:3', 'also-good')),
      ]);
      expect(good).toMatchObject({ status: 'fulfilled', value: { claimed: true } });
      expect(alsoGood).toMatchObject({ status: 'fulfilled', value: { claimed: true } });
      expect(bad.status).toBe('rejected');
      expect(bad.status === 'rejected' && bad.reason).toBeInstanceOf(StoreUnavailableError);

      // The failed one left nothing (its claim is free, no history); the others are all there.
      expect(await store.claim('cb:2', 60_000, 1_000)).toBe(true);
      expect(await store.getHistory('relay:cn-shanghai:bad')).toEqual([]);
      expect(await store.claim('cb:1', 60_000, 1_000)).toBe(false);
      expect(await store.claim('cb:3', 60_000, 1_000)).toBe(false);
      expect(await store.getHistory('relay:cn-shanghai:also-good')).toHaveLength(1);
    } finally {
      await store.close();
    }
  });

  it('commits what is queued when the store is closed, before it answers', async () => {
    const file = join(dir, 'close.db');
    const store = await createStore(`sqlite:${file}`);
    const pending = store.acceptCallback(arrival('cb:queued', 'task'));
    await store.close();
    expect(await pending).toMatchObject({ claimed: true });

    const reopened = await createStore(`sqlite:${file}`);
    try {
      expect(await reopened.claim('cb:queued', 60_000, 1_000)).toBe(false);
      expect(await reopened.getHistory('relay:cn-shanghai:task')).toHaveLength(1);
    } finally {
      await reopened.close();
    }
  });
});
