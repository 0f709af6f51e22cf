import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RelayTask } from '../../lib/events/resources.js';
import { diffSnapshot, pollObservedAt } from '../../lib/monitor/diff-snapshot.js';
import {
  readOnlySnapshots,
  reconcileSnapshot,
  revertSnapshot,
} from '../../lib/monitor/reconcile-snapshot.js';
import { createStore } from '../../lib/store/create-store.js';
import type { Store, StoredSnapshot, Versioned } from '../../lib/store/store.js';
import { defined } from '../support/defined.js';
import { relayTask, STUCK_POLICY } from '../support/monitor-resources.js';

const T0 = Date.UTC(2026, 0, 1);
const KEY = 'relay:cn-shanghai:t1';
const policy = STUCK_POLICY;

/** One sweep's reconcile of a listed task, seen at `at`; `known` is the sweep's earlier read, if any. */
function reconcileListed(
  snapshots: Store['snapshots'],
  key: string,
  listed: RelayTask,
  at: number,
  known?: Versioned<StoredSnapshot>,
) {
  return reconcileSnapshot(snapshots, key, (previous) => diffSnapshot(previous, listed, at, policy), known);
}

describe('reconcileSnapshot on SQLite: compare-and-set, re-diff, undo', () => {
  let dir: string;
  let store: Store;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'livewatch-reconcile-'));
    store = await createStore(`sqlite:${join(dir, 'state.db')}`);
  });
  afterEach(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  const running: StoredSnapshot = {
    resource: relayTask({ taskId: 't1', status: 1 }),
    observedAt: pollObservedAt(T0),
    stateSince: T0,
  };

  it('re-reads and re-diffs on a conflict: a change the callback recorded meanwhile is not reported again', async () => {
    await store.snapshots.put(KEY, running, null);
    const stale = await store.snapshots.get(KEY);
    // The callback receiver records "recovering" (newer) between the sweep's read and its write.
    const fromCallback: StoredSnapshot = {
      resource: relayTask({ taskId: 't1', status: 2, invalidReason: 'PullStreamFailed' }),
      observedAt: T0 + 30_000,
      stateSince: T0 + 30_000,
    };
    expect((await store.snapshots.put(KEY, fromCallback, stale?.version ?? 0)).ok).toBe(true);

    const listed = relayTask({ taskId: 't1', status: 2, invalidReason: 'PullStreamFailed' });
    const outcome = await reconcileListed(store.snapshots, KEY, listed, T0 + 60_000, stale);
    expect(outcome.conflicts).toBe(1);
    expect(outcome.events).toEqual([]);
    expect(outcome.gaveUp).toBe(false);
  });

  it('still reports after a conflict when the change is news', async () => {
    await store.snapshots.put(KEY, running, null);
    const stale = await store.snapshots.get(KEY);
    // Someone rewrote the same state (e.g. the alert function's verified position) meanwhile.
    await store.snapshots.put(KEY, { ...running, observedAt: T0 + 10_000 }, stale?.version ?? 0);
    const listed = relayTask({ taskId: 't1', status: 3, invalidReason: 'PullStreamFailed' });
    const outcome = await reconcileListed(store.snapshots, KEY, listed, T0 + 60_000, stale);
    expect(outcome.conflicts).toBe(1);
    expect(outcome.events.map((event) => `${event.previousState}>${event.state}`)).toEqual([
      'running>offline',
    ]);
    expect((await store.snapshots.get(KEY))?.value.resource.state).toBe('offline');
  });

  it('undoes a write (restores the previous snapshot, or removes a first sight) unless someone wrote since', async () => {
    await store.snapshots.put(KEY, running, null);
    const listed = relayTask({ taskId: 't1', status: 3 });
    const { write } = await reconcileListed(store.snapshots, KEY, listed, T0 + 60_000);
    expect(await revertSnapshot(store.snapshots, defined(write, 'a write'))).toBe(true);
    expect((await store.snapshots.get(KEY))?.value.resource.state).toBe('running');

    const first = await reconcileListed(
      store.snapshots,
      'relay:cn-shanghai:t2',
      relayTask({ taskId: 't2', status: 3 }),
      T0,
    );
    const firstWrite = defined(first.write, 'a write');
    await store.snapshots.put(
      'relay:cn-shanghai:t2',
      { ...firstWrite.value, observedAt: T0 + 1 },
      firstWrite.version,
    );
    expect(await revertSnapshot(store.snapshots, firstWrite)).toBe(false);
    expect(await store.snapshots.get('relay:cn-shanghai:t2')).toBeDefined();
  });

  it('writes nothing through the dry-run view', async () => {
    const outcome = await reconcileListed(
      readOnlySnapshots(store.snapshots),
      KEY,
      relayTask({ taskId: 't1', status: 3 }),
      T0,
    );
    expect(outcome.events).toHaveLength(1);
    expect(await store.snapshots.list()).toEqual([]);
  });
});
