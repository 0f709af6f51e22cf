import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../lib/config/config.js';
import { resourceKey } from '../../lib/events/resources.js';
import { listTasks, MAX_SCANNED, parseTaskQuery } from '../../lib/status/list-tasks.js';
import { readOverview } from '../../lib/status/read-overview.js';
import { readTaskView } from '../../lib/status/read-task-view.js';
import type { Store } from '../../lib/store/store.js';
import { putLedger, putTask, relayTask } from '../support/status-harness.js';
import { openStore, reportLegNotRun, storeAdapterCases } from '../support/store-adapters.js';

/**
 * The status views over 10,000 tasks on each real store: right answers, and store reads bounded per
 * request (counted by wrapping the real store's collections; nothing is stubbed).
 */
const TASKS = 10_000;
const NOW = Date.UTC(2026, 11, 3, 2, 0, 0);
const config = loadConfig({ LIVEWATCH_LIVE_REGIONS: 'cn-shanghai,cn-beijing' });

interface Reads {
  calls: Record<string, number>;
  snapshotsRead: number;
}

/** The same store, with every collection call and every snapshot returned counted. */
function counted(store: Store, reads: Reads): Store {
  const count = (name: string) => {
    reads.calls[name] = (reads.calls[name] ?? 0) + 1;
  };
  const wrap = <T extends object>(collection: T, prefix: string): T =>
    new Proxy(collection, {
      get(target, property, receiver) {
        const value = Reflect.get(target, property, receiver);
        if (typeof value !== 'function') return value;
        return async (...args: unknown[]) => {
          count(`${prefix}.${String(property)}`);
          const result = await value.apply(target, args);
          if (prefix === 'snapshots' && property === 'listPage')
            reads.snapshotsRead += (result as { items: unknown[] }).items.length;
          if (prefix === 'snapshots' && property === 'get' && result !== undefined) reads.snapshotsRead += 1;
          return result;
        };
      },
    });
  return new Proxy(store, {
    get(target, property, receiver) {
      if (property === 'snapshots') return wrap(target.snapshots, 'snapshots');
      if (property === 'ledgers') return wrap(target.ledgers, 'ledgers');
      const value = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        count(String(property));
        return value.apply(target, args);
      };
    },
  });
}

for (const adapter of storeAdapterCases()) {
  describe(`status views over ${TASKS} tasks (${adapter.name})`, () => {
    if (reportLegNotRun('status-views-stores', adapter)) return;
    let store: Store;
    let reads: Reads;
    let view: Store;
    const fresh = () => {
      reads = { calls: {}, snapshotsRead: 0 };
      view = counted(store, reads);
    };

    beforeAll(async () => {
      await adapter.start();
      store = await openStore(adapter.fresh());
      for (let i = 0; i < TASKS; i += 1) {
        const id = `t-${String(i).padStart(5, '0')}`;
        // 101 offline: one in 100 (all in cn-beijing, which sorts first) and t-00042, which needs a person.
        const offline = i % 100 === 99 || i === 42;
        const key = await putTask(
          store,
          relayTask(id, {
            region: i % 2 === 0 ? 'cn-shanghai' : 'cn-beijing',
            sourceUrls: [`rtmp://${i % 4 === 0 ? 'a' : 'b'}.example.com/live/${id}`],
            ...(offline ? { state: 'offline', status: 3 } : {}),
          }),
          NOW - 3_600_000,
        );
        if (offline)
          await putLedger(store, key, { taskId: id, unhealthySince: NOW - 60_000, needsPerson: i === 42 });
      }
    }, 180_000);
    afterAll(async () => {
      await store?.close();
      await adapter.stop();
    });

    it('serves the first page of the task list from one page read, and pages through every task once', async () => {
      fresh();
      const first = await listTasks(view, config, parseTaskQuery({}), NOW);
      expect(first.rows).toHaveLength(50);
      expect(reads.calls['snapshots.listPage']).toBe(1);
      expect(reads.snapshotsRead).toBe(50);
      expect(reads.calls['ledgers.get'] ?? 0).toBeLessThanOrEqual(50);
      expect(reads.calls['ledgers.list']).toBeUndefined();
      const seen = new Set<string>();
      let after: string | undefined;
      do {
        const page = await listTasks(
          store,
          config,
          parseTaskQuery({ limit: '200', ...(after ? { after } : {}) }),
          NOW,
        );
        for (const row of page.rows) seen.add(row.id);
        after = page.next;
      } while (after !== undefined);
      expect(seen.size).toBe(TASKS);
    }, 60_000);

    it('bounds a filtered page at MAX_SCANNED snapshots and continues from where it stopped', async () => {
      fresh();
      const none = await listTasks(view, config, parseTaskQuery({ host: 'nowhere.example.com' }), NOW);
      expect(none.rows).toEqual([]);
      expect(reads.snapshotsRead).toBe(MAX_SCANNED);
      expect(none.next).toBeDefined();
      const rest = await listTasks(
        store,
        config,
        parseTaskQuery({ host: 'nowhere.example.com', after: none.next ?? '' }),
        NOW,
      );
      expect(rest.scanned).toBe(TASKS - MAX_SCANNED);
      expect(rest.next).toBeUndefined();
      fresh();
      const offline = await listTasks(view, config, parseTaskQuery({ state: 'offline', limit: '20' }), NOW);
      expect(offline.rows.map((r) => r.id).slice(0, 3)).toEqual(['t-00099', 't-00199', 't-00299']);
      expect(offline.rows).toHaveLength(20);
      expect(reads.snapshotsRead).toBeLessThanOrEqual(2_000);
    }, 60_000);

    it("reads a task's page with a fixed number of store calls", async () => {
      fresh();
      const task = await readTaskView(
        view,
        config,
        resourceKey({ kind: 'relay', region: 'cn-shanghai', id: 't-00042' }),
        NOW,
      );
      expect(task.row).toMatchObject({ id: 't-00042', state: 'offline', needsPerson: true });
      expect(reads.calls).toEqual({ 'snapshots.get': 1, 'ledgers.get': 1, getHistory: 2 });
    });

    it('counts every snapshot exactly once for the overview, in pages of 1,000', async () => {
      fresh();
      const overview = await readOverview(view, config, NOW);
      expect(overview.total).toBe(TASKS);
      expect(overview.byKindState.relay).toEqual({ running: TASKS - 101, offline: 101 });
      expect(overview.attention[0]?.id).toBe('t-00042');
      expect(overview.attentionTotal).toBe(101);
      expect(reads.snapshotsRead).toBe(TASKS);
      expect(reads.calls['snapshots.listPage']).toBe(TASKS / 1_000);
    }, 60_000);
  });
}
