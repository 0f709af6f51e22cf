import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../lib/clock.js';
import { loadConfig } from '../../lib/config/config.js';
import { silentLogger } from '../../lib/log.js';
import { createNotifier } from '../../lib/notify/create-notifier.js';
import type { Store } from '../../lib/store/store.js';
import { type ChatSinks, startChatSinks } from '../../local/sinks/start-chat-sinks.js';
import { relayNotice } from '../support/sink-harness.js';
import {
  openStore,
  reportLegNotRun,
  type StoreAdapterCase,
  storeAdapterCases,
} from '../support/store-adapters.js';

/**
 * Two alert-function instances (two notifiers, two store connections) sharing one store: the
 * channel budget, the groups and the outbox are shared, so together they still send each message
 * once and stay under the channel's limit. Runs on both store adapters.
 */
describe.each(storeAdapterCases())(
  'notifier instances sharing a $name store',
  (adapter: StoreAdapterCase) => {
    if (reportLegNotRun('notify-shared-store', adapter)) return;

    let sinks: ChatSinks | undefined;
    const stores: Store[] = [];
    beforeAll(() => adapter.start());
    afterAll(() => adapter.stop());
    afterEach(async () => {
      await sinks?.close();
      for (const store of stores.splice(0)) await store.close();
    });

    it('share the DingTalk budget: ≤ 18 sends in the minute, each alert delivered, none twice', async () => {
      const clock = new ManualClock(Date.UTC(2026, 0, 1, 10, 0, 0));
      sinks = await startChatSinks({ clock });
      const location = adapter.fresh();
      const config = loadConfig({ LIVEWATCH_DINGTALK_WEBHOOK: sinks.urls.dingtalk });
      for (let i = 0; i < 2; i += 1) stores.push(await openStore(location));
      const [a, b] = stores.map((store) => createNotifier({ config, store, clock, log: silentLogger }));
      if (a === undefined || b === undefined) throw new Error('two notifiers expected');
      const tasks = Array.from({ length: 40 }, (_, index) => `shared-${index}`);
      await Promise.all(
        tasks.map((task, index) =>
          (index % 2 === 0 ? a : b).notify(
            relayNotice({ task, severity: 'critical', reason: `R${index % 25}` }),
          ),
        ),
      );
      for (let step = 0; step < 6; step += 1) {
        await Promise.all([a.flush(), b.flush()]);
        clock.advance(10_000);
      }
      expect(sinks.received.dingtalk.length).toBeLessThanOrEqual(18);
      clock.advance(60_000);
      await Promise.all([a.flush(), b.flush()]);
      const raws = sinks.received.dingtalk.map((message) => message.raw);
      for (const task of tasks) {
        // In exactly one message: no lost alert, no duplicate from the two flushers.
        expect(raws.filter((raw) => raw.includes(`relay ${task} offline`)).length, task).toBe(1);
      }
      expect(sinks.replies.filter((reply) => reply.reply.includes('130101'))).toEqual([]);
    });
  },
);
