import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { recordCallbackSnapshot } from '../../lib/callback/record-callback-snapshot.js';
import { parseCallback } from '../../lib/events/parse-callback.js';
import type { RelayTask } from '../../lib/events/resources.js';
import { silentLogger } from '../../lib/log.js';
import { createStore } from '../../lib/store/create-store.js';
import type { Store, StoredSnapshot } from '../../lib/store/store.js';

const KEY = 'relay:cn-shanghai:task-cas';
/** A plausible Unix-seconds base, so test times read as offsets. */
const T0 = 1_725_000_000;
let dir: string;
let store: Store;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lw-cas-'));
  store = await createStore(`sqlite:${join(dir, 'state.db')}`);
});
afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

function callback(eventTime: number, status: number) {
  return parseCallback(
    JSON.stringify({
      Event: 'LivePullToPushRuning',
      EventTime: String(T0 + eventTime),
      TaskId: 'task-cas',
      TaskStatus: status,
    }),
    { receivedAt: (T0 + 10_000) * 1000, defaultRegion: 'cn-shanghai' },
  );
}

function snapshot(observedAtSeconds: number, state: RelayTask['state'], status: number): StoredSnapshot {
  return {
    resource: {
      kind: 'relay',
      taskId: 'task-cas',
      region: 'cn-shanghai',
      status,
      state,
      sourceUrls: ['rtmp://s/a'],
    },
    observedAt: (T0 + observedAtSeconds) * 1000,
    stateSince: (T0 + observedAtSeconds) * 1000,
    reportedStuck: ['recovering-grace'],
  };
}

describe('recordCallbackSnapshot (compare-and-set)', () => {
  it('re-reads once on a conflict and writes when the event is still newer', async () => {
    await store.snapshots.put(KEY, snapshot(1000, 'running', 1), null);
    const stale = await store.snapshots.get(KEY);
    // Someone else (a sweep) writes in between: version 2, still older than the callback.
    await store.snapshots.put(KEY, snapshot(1500, 'running', 1), 1);

    const wrote = await recordCallbackSnapshot(
      { store, log: silentLogger, receivedAt: (T0 + 10_000) * 1000 },
      KEY,
      callback(2000, 3),
      stale,
    );

    expect(wrote).toBe(true);
    const current = await store.snapshots.get(KEY);
    expect(current?.version).toBe(3);
    expect(current?.value).toMatchObject({
      observedAt: (T0 + 2000) * 1000,
      stateSince: (T0 + 2000) * 1000,
      resource: { state: 'offline' },
    });
    expect(current?.value.resource.kind === 'relay' && current.value.resource.sourceUrls).toEqual([
      'rtmp://s/a',
    ]);
    expect(current?.value.reportedStuck).toBeUndefined();
  });

  it('re-decides after a conflict and leaves newer state written in between alone', async () => {
    await store.snapshots.put(KEY, snapshot(1000, 'running', 1), null);
    const stale = await store.snapshots.get(KEY);
    await store.snapshots.put(KEY, snapshot(3000, 'running', 1), 1);

    const wrote = await recordCallbackSnapshot(
      { store, log: silentLogger, receivedAt: (T0 + 10_000) * 1000 },
      KEY,
      callback(2000, 3),
      stale,
    );

    expect(wrote).toBe(false);
    expect((await store.snapshots.get(KEY))?.value.observedAt).toBe((T0 + 3000) * 1000);
  });

  it('keeps stateSince and reported stuck conditions when the state does not change', async () => {
    await store.snapshots.put(KEY, snapshot(1000, 'offline', 3), null);
    const current = await store.snapshots.get(KEY);

    await recordCallbackSnapshot(
      { store, log: silentLogger, receivedAt: (T0 + 10_000) * 1000 },
      KEY,
      callback(2000, 3),
      current,
    );

    const after = await store.snapshots.get(KEY);
    expect(after?.value).toMatchObject({
      observedAt: (T0 + 2000) * 1000,
      stateSince: (T0 + 1000) * 1000,
      reportedStuck: ['recovering-grace'],
    });
  });

  it('creates the snapshot when there is none, and only once under a race', async () => {
    const first = recordCallbackSnapshot(
      { store, log: silentLogger, receivedAt: (T0 + 10_000) * 1000 },
      KEY,
      callback(2000, 2),
      undefined,
    );
    const second = recordCallbackSnapshot(
      { store, log: silentLogger, receivedAt: (T0 + 10_000) * 1000 },
      KEY,
      callback(2000, 2),
      undefined,
    );
    const results = await Promise.all([first, second]);

    expect(results.filter(Boolean)).toHaveLength(1);
    expect((await store.snapshots.get(KEY))?.value.resource.state).toBe('recovering');
  });
});
