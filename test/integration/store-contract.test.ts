import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../lib/clock.js';
import { StoreUnavailableError, ValidationError } from '../../lib/errors.js';
import type { RelayTask } from '../../lib/events/resources.js';
import { mergeCallbackSnapshot } from '../../lib/store/merge-callback-snapshot.js';
import type {
  CallbackArrival,
  CallbackSnapshotPatch,
  NotificationGroup,
  Store,
  StoredSnapshot,
} from '../../lib/store/store.js';
import { emptyLedger as ledger } from '../support/empty-ledger.js';
import {
  openStore,
  reportLegNotRun,
  type StoreAdapterCase,
  storeAdapterCases,
} from '../support/store-adapters.js';

function group(nextFlushAt: number): NotificationGroup {
  return {
    key: 'g',
    channel: 'slack',
    severity: 'critical',
    labels: { region: 'cn-shanghai' },
    alerts: {},
    nextFlushAt,
  };
}

function snapshot(taskId: string, observedAt: number): StoredSnapshot {
  return {
    resource: { kind: 'relay', taskId, region: 'cn-shanghai', status: 3, state: 'offline', sourceUrls: [] },
    observedAt,
    stateSince: observedAt,
  };
}

const TASK_KEY = 'relay:cn-shanghai:task-cb';

/** A callback for task-cb observed at `observedAt` with the given status and state. */
function arrival(
  claimKey: string,
  observedAt: number,
  set: Partial<RelayTask> & Pick<RelayTask, 'state' | 'status'>,
  now = observedAt,
): CallbackArrival & { readonly snapshot: CallbackSnapshotPatch } {
  const identity = { kind: 'relay' as const, taskId: 'task-cb', region: 'cn-shanghai' };
  return {
    claim: { key: claimKey, ttlMs: 60_000 },
    now,
    resourceKey: TASK_KEY,
    history: { at: now, type: 'event', message: `callback ${set.state}` },
    snapshot: {
      observedAt,
      futureAfter: now + 5_000,
      base: { ...identity, status: set.status, state: set.state, sourceUrls: [] },
      drop: ['invalidReason', 'exitReason', 'exitTime'],
      set: { ...identity, ...set },
    },
  };
}

function relaySnapshot(observedAt: number, overrides: Partial<RelayTask> = {}): StoredSnapshot {
  return {
    resource: {
      kind: 'relay',
      taskId: 'task-cb',
      region: 'cn-shanghai',
      status: 1,
      state: 'running',
      sourceUrls: ['rtmp://s/a'],
      currentFileIndex: 2,
      ...overrides,
    },
    observedAt,
    stateSince: observedAt - 500,
    reportedStuck: ['recovering-grace'],
  };
}

/** Writes `count` forward documents `<prefix>000000`… (500 at a time) and returns their keys in order. */
async function putForwards(store: Store, prefix: string, count: number): Promise<string[]> {
  const keys = Array.from({ length: count }, (_, i) => `${prefix}${String(i).padStart(6, '0')}`);
  for (let i = 0; i < keys.length; i += 500) {
    await Promise.all(
      keys.slice(i, i + 500).map((key) => store.forwards.put(key, { originalUrl: key, since: 1 }, null)),
    );
  }
  return keys;
}

describe.each(storeAdapterCases())('$name store (contract)', (adapter: StoreAdapterCase) => {
  if (reportLegNotRun('store-contract', adapter)) return;

  let store: Store;
  let clock: ManualClock;
  beforeAll(() => adapter.start());
  afterAll(() => adapter.stop());
  beforeEach(async () => {
    clock = new ManualClock();
    store = await openStore(adapter.fresh());
  });
  afterEach(() => store.close());

  it('reports its kind and answers ping', async () => {
    expect(store.kind).toBe(adapter.name);
    await expect(store.ping()).resolves.toBeUndefined();
  });

  it('reports the schema version it holds, the one this build writes, stable across calls', async () => {
    const first = await store.schemaVersion();
    expect(first.supported).toBeGreaterThanOrEqual(1);
    expect(first.stored).toBe(first.supported);
    expect(await store.schemaVersion()).toEqual(first);
  });

  describe('claims', () => {
    it('grants a key once while the claim lives, again after it expires', async () => {
      expect(await store.claim('cb:1', 1_000, clock.now())).toBe(true);
      expect(await store.claim('cb:1', 1_000, clock.now())).toBe(false);
      clock.advance(999);
      expect(await store.claim('cb:1', 1_000, clock.now())).toBe(false);
      clock.advance(1);
      expect(await store.claim('cb:1', 1_000, clock.now())).toBe(true);
      expect(await store.claim('cb:2', 1_000, clock.now())).toBe(true);
    });

    it('grants a released key again', async () => {
      expect(await store.claim('cb:1', 60_000, clock.now())).toBe(true);
      await store.release('cb:1');
      expect(await store.claim('cb:1', 60_000, clock.now())).toBe(true);
    });

    it('extends a claim (two-phase: short while processing, long once done), never shortens it', async () => {
      expect(await store.claim('cb:1', 1_000, clock.now())).toBe(true);
      await store.extendClaim('cb:1', 60_000, clock.now());
      await store.extendClaim('cb:1', 10, clock.now());
      clock.advance(59_999);
      expect(await store.claim('cb:1', 1_000, clock.now())).toBe(false);
      clock.advance(1);
      expect(await store.claim('cb:1', 1_000, clock.now())).toBe(true);
    });

    it('extends a claim that has expired or was released, so the finished work stays deduplicated', async () => {
      expect(await store.claim('cb:1', 1_000, clock.now())).toBe(true);
      clock.advance(5_000);
      await store.extendClaim('cb:1', 60_000, clock.now());
      expect(await store.claim('cb:1', 1_000, clock.now())).toBe(false);
      await store.extendClaim('cb:never-claimed', 60_000, clock.now());
      expect(await store.claim('cb:never-claimed', 1_000, clock.now())).toBe(false);
      await expect(store.extendClaim('cb:1', 0, clock.now())).rejects.toBeInstanceOf(ValidationError);
    });

    it('lets exactly one of 20 concurrent claimers on separate connections win', async () => {
      const location = adapter.fresh();
      const stores = await Promise.all(Array.from({ length: 20 }, () => openStore(location)));
      try {
        const results = await Promise.all(stores.map((s) => s.claim('race', 60_000, clock.now())));
        expect(results.filter(Boolean)).toHaveLength(1);
      } finally {
        await Promise.all(stores.map((s) => s.close()));
      }
    });

    it('rejects a non-positive TTL as a validation error', async () => {
      await expect(store.claim('cb:1', 0, clock.now())).rejects.toBeInstanceOf(ValidationError);
    });
  });

  describe('acceptCallback (one round trip)', () => {
    it('claims, appends history, merges a newer callback into the snapshot and returns what was there', async () => {
      await store.snapshots.put(TASK_KEY, relaySnapshot(1_000, { exitReason: 'old' }), null);
      await store.forwards.put(TASK_KEY, { originalUrl: 'https://owner.example/cb', since: 1 }, null);
      const input = arrival('cb:a', 2_000, { status: 3, state: 'offline', exitReason: 'PullStreamFailed' });
      const accepted = await store.acceptCallback(input);

      expect(accepted).toEqual({
        claimed: true,
        previous: { value: relaySnapshot(1_000, { exitReason: 'old' }), version: 1 },
        writtenVersion: 2,
        forward: { originalUrl: 'https://owner.example/cb', since: 1 },
      });
      const stored = await store.snapshots.get(TASK_KEY);
      expect(stored).toEqual({
        value: mergeCallbackSnapshot(relaySnapshot(1_000, { exitReason: 'old' }), input.snapshot),
        version: 2,
      });
      // The state changed: a new stateSince, the stuck reports of the old state gone, other fields kept.
      expect(stored?.value).toEqual({
        resource: {
          ...relaySnapshot(1_000).resource,
          status: 3,
          state: 'offline',
          exitReason: 'PullStreamFailed',
        },
        observedAt: 2_000,
        stateSince: 2_000,
      });
      expect(await store.getHistory(TASK_KEY)).toEqual([input.history]);
    });

    it('answers a duplicate with claimed: false and changes nothing', async () => {
      await store.acceptCallback(arrival('cb:a', 2_000, { status: 3, state: 'offline' }));
      const before = await store.snapshots.get(TASK_KEY);
      const again = await store.acceptCallback(arrival('cb:a', 3_000, { status: 1, state: 'running' }));

      expect(again).toEqual({ claimed: false });
      expect(await store.snapshots.get(TASK_KEY)).toEqual(before);
      expect(await store.getHistory(TASK_KEY)).toHaveLength(1);
    });

    it('keeps stateSince and the reported stuck conditions while the state stays the same', async () => {
      await store.snapshots.put(TASK_KEY, relaySnapshot(1_000), null);
      await store.acceptCallback(arrival('cb:a', 2_000, { status: 1, state: 'running' }));

      expect((await store.snapshots.get(TASK_KEY))?.value).toEqual({
        ...relaySnapshot(1_000),
        observedAt: 2_000,
      });
    });

    it('leaves newer state alone (an out-of-order callback), but still claims and records it', async () => {
      await store.snapshots.put(TASK_KEY, relaySnapshot(5_000), null);
      const accepted = await store.acceptCallback(arrival('cb:a', 2_000, { status: 3, state: 'offline' }));

      expect(accepted).toMatchObject({ claimed: true, writtenVersion: undefined });
      expect(await store.snapshots.get(TASK_KEY)).toEqual({ value: relaySnapshot(5_000), version: 1 });
      expect(await store.getHistory(TASK_KEY)).toHaveLength(1);
    });

    it('writes over a stored observation from the future', async () => {
      await store.snapshots.put(TASK_KEY, relaySnapshot(900_000), null);
      const accepted = await store.acceptCallback(
        arrival('cb:a', 2_000, { status: 3, state: 'offline' }, 10_000),
      );
      expect(accepted).toMatchObject({ writtenVersion: 2 });
      expect((await store.snapshots.get(TASK_KEY))?.value.observedAt).toBe(2_000);
    });

    it('creates a snapshot when there is none, empty arrays and fractional numbers intact', async () => {
      const accepted = await store.acceptCallback(
        arrival('cb:a', 1_733_222_400_123, { status: 2, state: 'recovering', currentOffset: 12.5 }),
      );
      expect(accepted).toEqual({ claimed: true, previous: undefined, writtenVersion: 1, forward: undefined });
      expect((await store.snapshots.get(TASK_KEY))?.value).toEqual({
        resource: {
          kind: 'relay',
          taskId: 'task-cb',
          region: 'cn-shanghai',
          status: 2,
          state: 'recovering',
          sourceUrls: [],
          currentOffset: 12.5,
        },
        observedAt: 1_733_222_400_123,
        stateSince: 1_733_222_400_123,
      });
    });

    it('never writes a relay callback over another kind of resource, nor without a patch', async () => {
      const job: StoredSnapshot = {
        resource: {
          kind: 'record',
          jobId: 'task-cb',
          region: 'cn-shanghai',
          status: 'started',
          state: 'started',
        },
        observedAt: 1,
        stateSince: 1,
      };
      await store.snapshots.put(TASK_KEY, job, null);
      expect(
        await store.acceptCallback(arrival('cb:a', 2_000, { status: 3, state: 'offline' })),
      ).toMatchObject({
        writtenVersion: undefined,
      });
      const { snapshot: _patch, ...hintOnly } = arrival('cb:b', 3_000, { status: 3, state: 'offline' });
      expect(await store.acceptCallback(hintOnly)).toMatchObject({
        claimed: true,
        writtenVersion: undefined,
      });
      expect(await store.snapshots.get(TASK_KEY)).toEqual({ value: job, version: 1 });
    });

    it('lets exactly one of 20 concurrent deliveries on separate connections through', async () => {
      const location = adapter.fresh();
      const stores = await Promise.all(Array.from({ length: 20 }, () => openStore(location)));
      try {
        const results = await Promise.all(
          stores.map((s) => s.acceptCallback(arrival('race', 2_000, { status: 3, state: 'offline' }))),
        );
        expect(results.filter((r) => r.claimed)).toHaveLength(1);
        expect(await stores[0]?.getHistory(TASK_KEY)).toHaveLength(1);
        expect((await stores[0]?.snapshots.get(TASK_KEY))?.version).toBe(1);
      } finally {
        await Promise.all(stores.map((s) => s.close()));
      }
    });

    it('answers each of many concurrent deliveries on one connection, once per claim, each durable when it resolves', async () => {
      const location = adapter.fresh();
      const [one, other] = await Promise.all([openStore(location), openStore(location)]);
      try {
        const keys = Array.from({ length: 10 }, (_, i) => `cb:burst-${i}`);
        // Every key three times at once (as the Live service may resend). When an answer arrives its claim
        // must already be visible on another connection: no answer goes out before its write.
        const answers = await Promise.all(
          [...keys, ...keys, ...keys].map(async (key, i) => {
            const accepted = await one.acceptCallback({
              ...arrival(key, 2_000 + i, { status: 3, state: 'offline' }),
              inbox: { event: { key }, dueAt: 10_000 },
            });
            const stolen = await other.claim(key, 60_000, 2_000 + i);
            return { key, claimed: accepted.claimed, stolen };
          }),
        );
        for (const key of keys) {
          expect(answers.filter((a) => a.key === key && a.claimed)).toHaveLength(1);
        }
        expect(answers.filter((a) => a.stolen)).toEqual([]);
        expect(await one.getHistory(TASK_KEY)).toHaveLength(10);
        expect((await one.inboxStats()).pending).toBe(10);
      } finally {
        await Promise.all([one.close(), other.close()]);
      }
    });

    it('rejects a non-positive claim TTL as a validation error and claims nothing', async () => {
      const input = arrival('cb:a', 2_000, { status: 3, state: 'offline' });
      await expect(
        store.acceptCallback({ ...input, claim: { key: 'cb:a', ttlMs: 0 } }),
      ).rejects.toBeInstanceOf(ValidationError);
      expect(await store.claim('cb:a', 1_000, clock.now())).toBe(true);
    });
  });

  describe('per-pass seen-sets', () => {
    const unseenKeys = async (pass: string, prefix: string, limit: number): Promise<string[]> => {
      const keys: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await store.listUnseen(pass, prefix, { limit, ...(cursor ? { cursor } : {}) });
        keys.push(...page.items.map((item) => item.key));
        cursor = page.cursor;
        pages += 1;
      } while (cursor !== undefined && pages < 10_000);
      return [...new Set(keys)].sort();
    };

    it('lists, page by page, the snapshots under a prefix that the pass has not marked seen', async () => {
      for (let i = 0; i < 30; i += 1) {
        const key = `relay:cn-shanghai:t${String(i).padStart(2, '0')}`;
        await store.snapshots.put(key, snapshot(key, i), null);
      }
      await store.snapshots.put('relay:cn-beijing:t00', snapshot('b', 1), null);
      await store.markSeen('pass-1', ['relay:cn-shanghai:t00', 'relay:cn-shanghai:t05'], 1_000);
      await store.markSeen('pass-1', ['relay:cn-shanghai:t05', 'relay:cn-shanghai:t29'], 1_000);
      await store.markSeen('pass-2', ['relay:cn-shanghai:t01'], 1_000);

      const unseen = await unseenKeys('pass-1', 'relay:cn-shanghai:', 4);
      expect(unseen).toHaveLength(27);
      expect(unseen).not.toContain('relay:cn-shanghai:t05');
      expect(unseen).toContain('relay:cn-shanghai:t01');
      expect(unseen.every((key) => key.startsWith('relay:cn-shanghai:'))).toBe(true);
      const page = await store.listUnseen('pass-1', 'relay:cn-shanghai:', { limit: 4 });
      expect(page.items.length).toBeLessThanOrEqual(30);
      expect(page.items[0]).toMatchObject({ version: 1, value: { resource: { kind: 'relay' } } });
      // A pass nobody marked has everything unseen.
      expect(await unseenKeys('never', 'relay:cn-shanghai:', 100)).toHaveLength(30);
    });

    it('forgets a pass on endPass, and passes expired by then, but not live ones', async () => {
      await store.snapshots.put('relay:r:a', snapshot('a', 1), null);
      await store.markSeen('done', ['relay:r:a'], 10_000);
      await store.markSeen('live', ['relay:r:a'], 10_000);
      expect(await unseenKeys('done', 'relay:r:', 10)).toEqual([]);
      await store.endPass('done', 5_000);
      expect(await unseenKeys('done', 'relay:r:', 10)).toEqual(['relay:r:a']);
      expect(await unseenKeys('live', 'relay:r:', 10)).toEqual([]);
    });

    it('treats glob characters in the prefix literally and rejects a bad limit', async () => {
      await store.snapshots.put('relay:r*:a', snapshot('a', 1), null);
      await store.snapshots.put('relay:rx:a', snapshot('a', 1), null);
      expect(await unseenKeys('p', 'relay:r*:', 10)).toEqual(['relay:r*:a']);
      await expect(store.listUnseen('p', 'relay:', { limit: 0 })).rejects.toBeInstanceOf(ValidationError);
    });
  });

  describe('versioned documents', () => {
    it('starts at version 1 and increases by one per successful put', async () => {
      expect(await store.ledgers.put('relay:cn-shanghai:a', ledger('a'), null)).toEqual({
        ok: true,
        version: 1,
      });
      const next = ledger('a', { consecutive: 1, restarts: [clock.now()] });
      expect(await store.ledgers.put('relay:cn-shanghai:a', next, 1)).toEqual({ ok: true, version: 2 });
      expect(await store.ledgers.get('relay:cn-shanghai:a')).toEqual({ value: next, version: 2 });
    });

    it('detects a compare-and-set conflict and returns the current document', async () => {
      await store.ledgers.put('k', ledger('a'), null);
      const winner = ledger('a', { consecutive: 1 });
      expect(await store.ledgers.put('k', winner, 1)).toEqual({ ok: true, version: 2 });
      const loser = await store.ledgers.put('k', ledger('a', { consecutive: 9 }), 1);
      expect(loser).toEqual({ ok: false, current: { value: winner, version: 2 } });
      expect(await store.ledgers.put('k', ledger('a'), null)).toEqual({
        ok: false,
        current: { value: winner, version: 2 },
      });
      expect(await store.ledgers.put('missing', ledger('b'), 3)).toEqual({ ok: false, current: undefined });
      expect(await store.ledgers.get('missing')).toBeUndefined();
    });

    it('lets exactly one of several concurrent writers with the same expected version win', async () => {
      await store.groups.put('g', group(0), null);
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, i) => store.groups.put('g', group(i + 1), 1)),
      );
      expect(results.filter((r) => r.ok)).toHaveLength(1);
      expect((await store.groups.get('g'))?.version).toBe(2);
    });

    it('stores silences apart from every other collection, shared by key', async () => {
      const silence = {
        id: 's-1',
        matchers: { sourceHost: ['vod-cdn.example.org'], severity: ['critical' as const] },
        startsAt: 1_000,
        endsAt: 2_000,
        createdBy: 'ops',
        comment: 'origin maintenance',
        createdAt: 900,
        pauseRestarts: true,
      };
      expect((await store.silences.put('s-1', silence, null)).ok).toBe(true);
      await store.forwards.put('s-1', { originalUrl: 'x', since: 1 }, null);
      expect((await store.silences.get('s-1'))?.value).toStrictEqual(silence);
      expect((await store.silences.list()).map((doc) => doc.key)).toEqual(['s-1']);
      expect((await store.silences.put('s-1', { ...silence, endsAt: 1_500 }, 1)).ok).toBe(true);
      expect((await store.silences.put('s-1', silence, 1)).ok).toBe(false);
      expect(await store.silences.delete('s-1', 2)).toBe(true);
      expect(await store.silences.list()).toEqual([]);
    });

    it('round-trips values exactly, empty arrays and nested objects included', async () => {
      const value = ledger('a', { restarts: [], lineage: [], nextAttemptAt: 1.5e12 });
      await store.ledgers.put('k', value, null);
      expect((await store.ledgers.get('k'))?.value).toStrictEqual(value);
      const withUnicode = { originalUrl: 'http://例え.jp/cb?x="1"\\n', since: 0 };
      await store.forwards.put('k', withUnicode, null);
      expect((await store.forwards.get('k'))?.value).toStrictEqual(withUnicode);
    });

    it('deletes only when the expected version matches (null: any version)', async () => {
      await store.breakers.put('host:a', { key: 'host:a', state: 'open', failures: [] }, null);
      expect(await store.breakers.delete('host:a', 2)).toBe(false);
      expect(await store.breakers.delete('host:a', 1)).toBe(true);
      expect(await store.breakers.get('host:a')).toBeUndefined();
      await store.breakers.put('host:a', { key: 'host:a', state: 'closed', failures: [] }, null);
      expect(await store.breakers.delete('host:a', null)).toBe(true);
      expect(await store.breakers.delete('host:a', null)).toBe(false);
    });

    it('lists by prefix in key order, each collection on its own', async () => {
      for (const key of ['relay:b', 'relay:a', 'record:a', 'relay:c', 'relayz']) {
        await store.snapshots.put(key, snapshot(key, 1), null);
      }
      await store.ledgers.put('relay:zz', ledger('zz'), null);
      const relays = await store.snapshots.list('relay:');
      expect(relays.map((d) => d.key)).toEqual(['relay:a', 'relay:b', 'relay:c']);
      expect(relays[0]).toEqual({ key: 'relay:a', value: snapshot('relay:a', 1), version: 1 });
      expect((await store.snapshots.list()).map((d) => d.key)).toEqual([
        'record:a',
        'relay:a',
        'relay:b',
        'relay:c',
        'relayz',
      ]);
      expect(await store.snapshots.list('nothing')).toEqual([]);
      expect(await store.forwards.list()).toEqual([]);
    });

    it('treats glob characters in a list prefix literally', async () => {
      await store.forwards.put('a*b', { originalUrl: 'x', since: 1 }, null);
      await store.forwards.put('a?b[c]', { originalUrl: 'y', since: 1 }, null);
      await store.forwards.put('axb', { originalUrl: 'z', since: 1 }, null);
      expect((await store.forwards.list('a*')).map((d) => d.key)).toEqual(['a*b']);
      expect((await store.forwards.list('a?b[')).map((d) => d.key)).toEqual(['a?b[c]']);
    });

    it('lists more than 10,000 documents', async () => {
      const count = 10_050;
      const keys = await putForwards(store, 'relay:cn-shanghai:', count);
      const listed = await store.forwards.list('relay:');
      expect(listed).toHaveLength(count);
      expect(listed.map((d) => d.key)).toEqual(keys);
      expect(listed[count - 1]?.value.originalUrl).toBe(keys[count - 1]);
    });
  });

  describe('listPage', () => {
    it('pages by prefix in key order, after a key, with next set only when more may follow', async () => {
      for (const key of ['relay:d', 'relay:b', 'relay:a', 'record:a', 'relay:c', 'relayz']) {
        await store.snapshots.put(key, snapshot(key, 1), null);
      }
      const first = await store.snapshots.listPage({ prefix: 'relay:', limit: 2 });
      expect(first.items.map((d) => d.key)).toEqual(['relay:a', 'relay:b']);
      expect(first.items[0]).toEqual({ key: 'relay:a', value: snapshot('relay:a', 1), version: 1 });
      expect(first.next).toBe('relay:b');
      const second = await store.snapshots.listPage({ prefix: 'relay:', after: 'relay:b', limit: 2 });
      expect(second.items.map((d) => d.key)).toEqual(['relay:c', 'relay:d']);
      expect(second.next).toBeUndefined();
      const all = await store.snapshots.listPage({ limit: 100 });
      expect(all.items.map((d) => d.key)).toEqual([
        'record:a',
        'relay:a',
        'relay:b',
        'relay:c',
        'relay:d',
        'relayz',
      ]);
      expect(await store.snapshots.listPage({ prefix: 'nothing', limit: 5 })).toEqual({ items: [] });
      expect(await store.ledgers.listPage({ limit: 5 })).toEqual({ items: [] });
    });

    it('walks 10,050 documents in pages of 1,000, each exactly once', async () => {
      const count = 10_050;
      const keys = await putForwards(store, 'relay:cn-beijing:', count);
      const seen: string[] = [];
      let after: string | undefined;
      let pages = 0;
      do {
        const page = await store.forwards.listPage({
          prefix: 'relay:',
          limit: 1_000,
          ...(after ? { after } : {}),
        });
        expect(page.items.length).toBeLessThanOrEqual(1_000);
        seen.push(...page.items.map((d) => d.key));
        after = page.next;
        pages += 1;
      } while (after !== undefined);
      expect(pages).toBe(11);
      expect(seen).toEqual(keys);
    });

    it('rejects a limit below 1 as a validation error', async () => {
      await expect(store.snapshots.listPage({ limit: 0 })).rejects.toBeInstanceOf(ValidationError);
    });
  });

  describe('counters', () => {
    it('adds increments atomically across concurrent writers and reads them back', async () => {
      expect(await store.getCounters()).toEqual({});
      await Promise.all(
        Array.from({ length: 20 }, () =>
          store.addCounters({ 'callbacks_total{status="200"}': 1, seconds: 0.25 }),
        ),
      );
      await store.addCounters({});
      expect(await store.getCounters()).toEqual({ 'callbacks_total{status="200"}': 20, seconds: 5 });
    });

    it('resolves each concurrent caller only once its own increments can be read back', async () => {
      const location = adapter.fresh();
      const [one, other] = await Promise.all([openStore(location), openStore(location)]);
      try {
        // Callers spread over a few event-loop turns, so some arrive while an earlier write is in flight;
        // read on another connection (this connection's reads would queue behind the write anyway).
        const seen = await Promise.all(
          Array.from({ length: 30 }, async (_, i) => {
            for (let turn = 0; turn < i % 6; turn += 1) await new Promise((done) => setImmediate(done));
            await one.addCounters({ [`c${i}`]: i + 1, total: 1 });
            return (await other.getCounters())[`c${i}`];
          }),
        );
        expect(seen).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
        expect((await other.getCounters()).total).toBe(30);
      } finally {
        await Promise.all([one.close(), other.close()]);
      }
    });

    it('rejects a non-finite increment and changes nothing', async () => {
      await store.addCounters({ a: 1 });
      await expect(store.addCounters({ a: 1, b: Number.NaN })).rejects.toBeInstanceOf(ValidationError);
      expect(await store.getCounters()).toEqual({ a: 1 });
    });
  });

  describe('moveTask', () => {
    it('moves snapshot, ledger and history to the new key and appends the old id to the lineage', async () => {
      await store.snapshots.put('relay:r:old', snapshot('old', 5), null);
      await store.ledgers.put('relay:r:old', ledger('old', { lineage: ['older'], consecutive: 2 }), null);
      await store.appendHistory('relay:r:old', { at: 1, type: 'event', message: 'offline' });
      await store.appendHistory('relay:r:old', { at: 2, type: 'restart', message: 'restarted' });

      await store.moveTask('relay:r:old', 'relay:r:new', 'old');

      expect(await store.snapshots.get('relay:r:old')).toBeUndefined();
      expect(await store.ledgers.get('relay:r:old')).toBeUndefined();
      expect(await store.getHistory('relay:r:old')).toEqual([]);
      expect(await store.snapshots.get('relay:r:new')).toEqual({ value: snapshot('old', 5), version: 1 });
      const moved = await store.ledgers.get('relay:r:new');
      expect(moved?.value.lineage).toEqual(['older', 'old']);
      expect(moved?.value.consecutive).toBe(2);
      expect((await store.getHistory('relay:r:new')).map((e) => e.message)).toEqual(['restarted', 'offline']);
    });

    it('is a no-op when repeated, and keeps a snapshot already stored under the new key', async () => {
      await store.snapshots.put('relay:r:old', snapshot('old', 5), null);
      await store.snapshots.put('relay:r:new', snapshot('new', 9), null);
      await store.ledgers.put('relay:r:old', ledger('old'), null);
      await store.moveTask('relay:r:old', 'relay:r:new', 'old');
      await store.moveTask('relay:r:old', 'relay:r:new', 'old');
      expect(await store.snapshots.get('relay:r:new')).toEqual({ value: snapshot('new', 9), version: 1 });
      expect((await store.ledgers.get('relay:r:new'))?.value.lineage).toEqual(['old']);
    });

    it('bumps the version of a ledger it replaces, so a stale compare-and-set fails', async () => {
      await store.ledgers.put('relay:r:new', ledger('new'), null);
      await store.ledgers.put('relay:r:old', ledger('old'), null);
      await store.moveTask('relay:r:old', 'relay:r:new', 'old');
      const moved = await store.ledgers.get('relay:r:new');
      expect(moved?.version).toBe(2);
      expect((await store.ledgers.put('relay:r:new', ledger('x'), 1)).ok).toBe(false);
    });
  });

  describe('leases', () => {
    it('is single-flight until it expires, then another holder takes it over', async () => {
      expect(await store.acquireLease('task:a', 'alice', 10_000, clock.now())).toBe(true);
      expect(await store.acquireLease('task:a', 'bob', 10_000, clock.now())).toBe(false);
      clock.advance(5_000);
      expect(await store.acquireLease('task:a', 'alice', 10_000, clock.now())).toBe(true); // renewal
      clock.advance(9_999);
      expect(await store.acquireLease('task:a', 'bob', 10_000, clock.now())).toBe(false);
      clock.advance(1);
      expect(await store.acquireLease('task:a', 'bob', 10_000, clock.now())).toBe(true);
      expect(await store.acquireLease('task:a', 'alice', 10_000, clock.now())).toBe(false);
    });

    it('is released only by its holder', async () => {
      await store.acquireLease('task:a', 'alice', 10_000, clock.now());
      await store.releaseLease('task:a', 'bob');
      expect(await store.acquireLease('task:a', 'bob', 10_000, clock.now())).toBe(false);
      await store.releaseLease('task:a', 'alice');
      expect(await store.acquireLease('task:a', 'bob', 10_000, clock.now())).toBe(true);
    });
  });

  describe('event inbox', () => {
    const event = (n: number) => ({
      key: `ev:${n}`,
      resource: { kind: 'relay', id: `t${n}` },
      sourceUrls: [],
    });
    const keysOf = (entries: ReadonlyArray<{ key: string }>) => entries.map((e) => e.key).sort();

    it('adds once per key, hands out due entries with a lease and counts attempts, removes handled ones', async () => {
      const now = clock.now();
      await store.addToInbox([
        { key: 'ev:1', event: event(1), createdAt: now, dueAt: now + 1_000 },
        { key: 'ev:2', event: event(2), createdAt: now, dueAt: now + 2_000 },
      ]);
      // Adding a key again changes nothing (the first entry and its due time stay).
      await store.addToInbox([{ key: 'ev:1', event: event(9), createdAt: now + 5, dueAt: now }]);
      expect(await store.inboxStats()).toEqual({ pending: 2, nextDueAt: now + 1_000 });
      expect(await store.takeDueInbox(now + 999, 10, 60_000)).toEqual([]);

      const first = await store.takeDueInbox(now + 1_000, 10, 60_000);
      expect(first).toEqual([{ key: 'ev:1', event: event(1), createdAt: now, attempts: 1 }]);
      // Leased: not handed out again until the lease ends, then with the attempt counted.
      expect(keysOf(await store.takeDueInbox(now + 2_000, 10, 60_000))).toEqual(['ev:2']);
      expect(await store.takeDueInbox(now + 60_999, 10, 60_000)).toEqual([]);
      const again = await store.takeDueInbox(now + 61_000, 10, 60_000);
      expect(again.map((e) => [e.key, e.attempts])).toEqual([['ev:1', 2]]);

      await store.removeFromInbox(['ev:1', 'ev:unknown']);
      expect(await store.inboxStats()).toEqual({ pending: 1, nextDueAt: now + 62_000 });
      await store.removeFromInbox(['ev:2']);
      expect(await store.inboxStats()).toEqual({ pending: 0 });
      expect(await store.takeDueInbox(now + 10 * 60_000, 10, 60_000)).toEqual([]);
    });

    it('hands out at most `limit` entries, the earliest due', async () => {
      const now = clock.now();
      await store.addToInbox(
        [5, 1, 4, 2, 3].map((n) => ({ key: `ev:${n}`, event: event(n), createdAt: now, dueAt: now + n })),
      );
      expect(keysOf(await store.takeDueInbox(now + 10, 2, 1_000))).toEqual(['ev:1', 'ev:2']);
      expect(keysOf(await store.takeDueInbox(now + 10, 10, 1_000))).toEqual(['ev:3', 'ev:4', 'ev:5']);
    });

    it('acceptCallback adds the callback to the inbox under its claim key, only when the claim is won', async () => {
      const input = arrival('cb:inbox', 2_000, { status: 3, state: 'offline' });
      const now = input.now;
      expect(
        await store.acceptCallback({ ...input, inbox: { event: event(7), dueAt: now + 500 } }),
      ).toMatchObject({
        claimed: true,
      });
      expect(await store.acceptCallback({ ...input, inbox: { event: event(8), dueAt: now } })).toEqual({
        claimed: false,
      });
      expect(await store.takeDueInbox(now + 500, 10, 1_000)).toEqual([
        { key: 'cb:inbox', event: event(7), createdAt: now, attempts: 1 },
      ]);
    });

    it('rejects an empty key and a non-positive limit or lease as validation errors', async () => {
      const now = clock.now();
      await expect(
        store.addToInbox([{ key: '', event: 1, createdAt: now, dueAt: now }]),
      ).rejects.toBeInstanceOf(ValidationError);
      await expect(store.takeDueInbox(now, 0, 1_000)).rejects.toBeInstanceOf(ValidationError);
      await expect(store.takeDueInbox(now, 1, 0)).rejects.toBeInstanceOf(ValidationError);
      expect(await store.inboxStats()).toEqual({ pending: 0 });
    });
  });

  describe('outbox', () => {
    const message = (id: string, dueAt: number, createdAt = 0) => ({
      id,
      channel: 'dingtalk',
      payload: { msgtype: 'markdown', markdown: { title: id, text: `# ${id}` }, list: [] },
      dueAt,
      createdAt,
    });

    it('enqueues idempotently on id', async () => {
      expect(await store.enqueueOutbox(message('m1', 100))).toBe(true);
      expect(await store.enqueueOutbox(message('m1', 200))).toBe(false);
      const [taken] = await store.takeDueOutbox(1_000, 10, 1_000);
      expect(taken).toEqual({ ...message('m1', 100), attempts: 0 });
    });

    it('takes due messages oldest first, up to the limit, and hides them while in flight', async () => {
      const t = clock.now();
      await store.enqueueOutbox(message('late', t + 5_000));
      await store.enqueueOutbox(message('b', t - 100));
      await store.enqueueOutbox(message('a', t - 200));
      await store.enqueueOutbox(message('c', t));
      expect((await store.takeDueOutbox(t, 2, 30_000)).map((m) => m.id)).toEqual(['a', 'b']);
      expect((await store.takeDueOutbox(t, 10, 30_000)).map((m) => m.id)).toEqual(['c']);
      expect(await store.takeDueOutbox(t + 1_000, 10, 30_000)).toEqual([]);
      expect((await store.takeDueOutbox(t + 5_000, 10, 30_000)).map((m) => m.id)).toEqual(['late']);
      // The in-flight lease of a, b expires at t + 30 s: a crashed sender's messages come back.
      expect((await store.takeDueOutbox(t + 30_000, 10, 30_000)).map((m) => m.id)).toEqual(['a', 'b', 'c']);
    });

    it('does not hand one message to two concurrent takers', async () => {
      for (let i = 0; i < 30; i += 1) await store.enqueueOutbox(message(`m${String(i).padStart(2, '0')}`, 0));
      const batches = await Promise.all(Array.from({ length: 6 }, () => store.takeDueOutbox(10, 8, 60_000)));
      const ids = batches.flat().map((m) => m.id);
      expect(ids).toHaveLength(30);
      expect(new Set(ids).size).toBe(30);
    });

    it('reschedules a failed message with attempts + 1 and its error', async () => {
      await store.enqueueOutbox(message('m1', 0));
      await store.takeDueOutbox(10, 10, 60_000);
      await store.markOutboxFailed('m1', 5_000, 'HTTP 503');
      expect(await store.takeDueOutbox(4_999, 10, 60_000)).toEqual([]);
      const [again] = await store.takeDueOutbox(5_000, 10, 60_000);
      expect(again).toMatchObject({ id: 'm1', attempts: 1, lastError: 'HTTP 503', dueAt: 5_000 });
      await store.markOutboxFailed('m1', 6_000, 'HTTP 502');
      expect((await store.takeDueOutbox(6_000, 10, 60_000))[0]).toMatchObject({
        attempts: 2,
        lastError: 'HTTP 502',
      });
    });

    it('reschedules a throttled message without counting an attempt', async () => {
      await store.enqueueOutbox(message('m1', 0));
      await store.takeDueOutbox(10, 10, 60_000);
      await store.markOutboxFailed('m1', 5_000, 'throttled', false);
      expect(await store.takeDueOutbox(4_999, 10, 60_000)).toEqual([]);
      const [again] = await store.takeDueOutbox(5_000, 10, 60_000);
      expect(again).toMatchObject({ id: 'm1', attempts: 0, lastError: 'throttled', dueAt: 5_000 });
    });

    it('never sends a sent or dead message again, and counts them', async () => {
      await store.enqueueOutbox(message('sent', 10));
      await store.enqueueOutbox(message('dead', 20));
      await store.enqueueOutbox(message('pending', 30));
      await store.enqueueOutbox(message('future', 50_000));
      await store.takeDueOutbox(100, 2, 60_000);
      await store.markOutboxSent('sent', 100);
      await store.markOutboxDead('dead', 'errcode 310000: keywords not in content');
      expect(await store.outboxStats()).toEqual({ pending: 2, sent: 1, dead: 1, oldestDueAt: 30 });
      expect((await store.takeDueOutbox(1_000_000, 10, 60_000)).map((m) => m.id)).toEqual([
        'pending',
        'future',
      ]);
      expect(await store.enqueueOutbox(message('sent', 10))).toBe(false);
      // A late failure report for a message already sent does not resurrect it.
      await store.markOutboxFailed('sent', 0, 'late');
      expect(await store.takeDueOutbox(1_050_000, 10, 60_000)).toEqual([]);
    });

    it('counts in-flight messages as pending and reports the oldest due time', async () => {
      expect(await store.outboxStats()).toEqual({ pending: 0, sent: 0, dead: 0 });
      await store.enqueueOutbox(message('a', 40));
      await store.enqueueOutbox(message('b', 70));
      await store.takeDueOutbox(50, 1, 60_000);
      expect(await store.outboxStats()).toEqual({ pending: 2, sent: 0, dead: 0, oldestDueAt: 40 });
    });
  });

  describe('history', () => {
    it('returns entries newest first, keeps only the newest `cap`, and honours a limit', async () => {
      for (let i = 1; i <= 7; i += 1) {
        await store.appendHistory('relay:r:a', { at: i, type: 'event', message: `e${i}`, data: { i } }, 5);
      }
      const history = await store.getHistory('relay:r:a');
      expect(history.map((e) => e.message)).toEqual(['e7', 'e6', 'e5', 'e4', 'e3']);
      expect(history[0]).toEqual({ at: 7, type: 'event', message: 'e7', data: { i: 7 } });
      expect((await store.getHistory('relay:r:a', 2)).map((e) => e.message)).toEqual(['e7', 'e6']);
      expect(await store.getHistory('relay:r:other')).toEqual([]);
    });
  });

  describe('shared rate limit', () => {
    it('grants `limit` calls per sliding window and says how long to wait for the next', async () => {
      const t = clock.now();
      expect(await store.acquireRate('acct:Describe', 3, 1_000, t)).toBe(0);
      expect(await store.acquireRate('acct:Describe', 3, 1_000, t + 100)).toBe(0);
      expect(await store.acquireRate('acct:Describe', 3, 1_000, t + 200)).toBe(0);
      expect(await store.acquireRate('acct:Describe', 3, 1_000, t + 300)).toBe(700);
      expect(await store.acquireRate('acct:Other', 3, 1_000, t + 300)).toBe(0);
      expect(await store.acquireRate('acct:Describe', 3, 1_000, t + 999)).toBe(1);
      expect(await store.acquireRate('acct:Describe', 3, 1_000, t + 1_000)).toBe(0);
      expect(await store.acquireRate('acct:Describe', 3, 1_000, t + 1_000)).toBe(100);
      expect(await store.acquireRate('acct:Describe', 3, 1_000, t + 1_100)).toBe(0);
    });

    it('records nothing for a refused call', async () => {
      const t = clock.now();
      await store.acquireRate('k', 1, 1_000, t);
      for (let i = 1; i < 10; i += 1)
        expect(await store.acquireRate('k', 1, 1_000, t + i * 100)).toBeGreaterThan(0);
      expect(await store.acquireRate('k', 1, 1_000, t + 1_000)).toBe(0);
    });

    it("counts a call recorded later than the asker's now (another instance's estimated arrival)", async () => {
      // The store-backed limiter records each call at its latest arrival and asks with its own.
      const t = clock.now();
      expect(await store.acquireRate('ahead', 1, 1_500, t + 500)).toBe(0);
      expect(await store.acquireRate('ahead', 1, 1_000, t + 100)).toBe(1_400);
      expect(await store.acquireRate('ahead', 1, 1_000, t + 1_500)).toBe(0);
    });

    it('settles one recorded call to an earlier arrival, freeing its slot sooner', async () => {
      const t = clock.now();
      expect(await store.acquireRate('settle', 2, 1_000, t + 100)).toBe(0);
      expect(await store.acquireRate('settle', 2, 1_000, t + 100)).toBe(0);
      expect(await store.acquireRate('settle', 2, 1_000, t + 200)).toBe(900);
      // One of the two calls recorded at t + 100 reached the server by t + 40; the other stays.
      await store.settleRate('settle', t + 100, t + 40);
      expect(await store.acquireRate('settle', 2, 1_000, t + 200)).toBe(840);
      expect(await store.acquireRate('settle', 2, 1_000, t + 1_040)).toBe(0);
      expect(await store.acquireRate('settle', 2, 1_000, t + 1_040)).toBe(60);
    });

    it('ignores a settlement that is not earlier, or of a call it does not hold', async () => {
      const t = clock.now();
      expect(await store.acquireRate('unsettled', 1, 1_000, t)).toBe(0);
      await store.settleRate('unsettled', t, t + 500);
      await store.settleRate('unsettled', t + 1, t - 500);
      await store.settleRate('elsewhere', t, t - 500);
      expect(await store.acquireRate('unsettled', 1, 1_000, t + 100)).toBe(900);
      await expect(store.settleRate('', t, t - 1)).rejects.toThrow(/key/);
    });

    it('grants exactly `limit` of many concurrent callers', async () => {
      const results = await Promise.all(
        Array.from({ length: 25 }, () => store.acquireRate('burst', 10, 1_000, clock.now())),
      );
      expect(results.filter((wait) => wait === 0)).toHaveLength(10);
    });
  });

  describe('poller state', () => {
    it('stores the heartbeat and the sweep cursor, and clears the cursor', async () => {
      expect(await store.getHeartbeat()).toBeUndefined();
      const heartbeat = {
        lastSuccessAt: 5,
        durationMs: 12,
        complete: true,
        counts: { relay: 3 },
        apiCalls: 4,
      };
      await store.putHeartbeat(heartbeat);
      expect(await store.getHeartbeat()).toEqual(heartbeat);
      await store.putSweepCursor({ scope: 'relay:cn-shanghai', page: 3, startedAt: 1 });
      expect(await store.getSweepCursor()).toEqual({ scope: 'relay:cn-shanghai', page: 3, startedAt: 1 });
      await store.putSweepCursor(undefined);
      expect(await store.getSweepCursor()).toBeUndefined();
    });
  });

  describe('failure', () => {
    it('rejects with StoreUnavailableError naming the operation once closed', async () => {
      const other = await openStore(adapter.fresh());
      await other.close();
      const failure = await other.claim('x', 1_000, clock.now()).then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(failure).toBeInstanceOf(StoreUnavailableError);
      expect((failure as StoreUnavailableError).operation).toBe('claim');
      expect((failure as StoreUnavailableError).cause).toBeDefined();
      await expect(other.snapshots.get('x')).rejects.toBeInstanceOf(StoreUnavailableError);
      await expect(other.ping()).rejects.toBeInstanceOf(StoreUnavailableError);
    });
  });
});
