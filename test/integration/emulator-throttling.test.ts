import { afterEach, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../../local/emulator/index.js';
import { callApi, callApiError } from '../support/emulator-clients.js';

const LIST = { Region: 'cn-shanghai' };
const OTHER_KEY = { id: 'LTAIother', secret: 'other-secret-0001' };

let emulator: Emulator | undefined;
afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
});

/** Fires `n` list calls at once and returns how many were throttled, with their codes. */
async function burst(emu: Emulator, n: number, action = 'DescribeLivePullToPushList', key = emu.accessKey) {
  const outcomes = await Promise.all(
    Array.from({ length: n }, () =>
      callApi(emu, 'v3', action, LIST, {
        accessKey: key,
        version: action.startsWith('List') ? '2020-11-09' : '2016-11-01',
      }).then(
        () => 'ok',
        (error: { code?: string; statusCode?: number; message?: string }) =>
          `${error.statusCode} ${error.code} ${error.message?.includes('user flow control') ? 'msg' : ''}`,
      ),
    ),
  );
  return outcomes.filter((outcome) => outcome !== 'ok');
}

describe('flow control (10 calls per second per account per action, real time)', () => {
  it('admits 10 calls in a second and throttles the 11th with Throttling.User', async () => {
    emulator = await startEmulator({
      latencyMs: 0,
      accessKeys: [{ id: 'LTAIone', secret: 'one-secret-0001' }],
    });
    expect(await burst(emulator, 10)).toEqual([]);
    expect(await burst(emulator, 1)).toEqual(['400 Throttling.User msg']);
    const stats = emulator.stats().actions.DescribeLivePullToPushList;
    expect(stats).toMatchObject({ calls: 11, ok: 10, throttled: 1 });
  });

  it('counts each action and each AccessKey separately', async () => {
    emulator = await startEmulator({
      latencyMs: 0,
      accessKeys: [{ id: 'LTAIone', secret: 'one-secret-0001' }, OTHER_KEY],
    });
    expect(await burst(emulator, 10)).toEqual([]);
    expect(await burst(emulator, 10, 'ListLiveRecordJobs')).toEqual([]);
    expect(await burst(emulator, 10, 'DescribeLivePullToPushList', OTHER_KEY)).toEqual([]);
    expect(await burst(emulator, 1)).toHaveLength(1);
  });

  it('counts the keys of one account (a long-lived key and an STS key) against one budget', async () => {
    const stsKey = { id: 'STS.one', secret: 'sts-secret-0001', accountId: '1234' };
    emulator = await startEmulator({
      latencyMs: 0,
      accessKeys: [{ id: 'LTAIone', secret: 'one-secret-0001', accountId: '1234' }, stsKey],
    });
    expect(await burst(emulator, 10)).toEqual([]);
    expect(await burst(emulator, 1, 'DescribeLivePullToPushList', stsKey)).toEqual([
      '400 Throttling.User msg',
    ]);
  });

  it('admits calls again once the one-second window has slid past', async () => {
    emulator = await startEmulator({ latencyMs: 0, qps: 3 });
    expect(await burst(emulator, 4)).toHaveLength(1);
    // Waiting for the real window to slide is the behaviour under test.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect(await burst(emulator, 3)).toEqual([]);
  });

  it('uses a configurable limit and reports throttled calls on the stats endpoint', async () => {
    emulator = await startEmulator({ latencyMs: 0, qps: 2 });
    const failures = await burst(emulator, 5);
    expect(failures).toHaveLength(3);
    const stats = (await (await fetch(`${emulator.url}/_emulator/stats`)).json()) as {
      actions: Record<string, { throttled: number; ok: number }>;
      totals: { throttled: number };
    };
    expect(stats.actions.DescribeLivePullToPushList).toMatchObject({ ok: 2, throttled: 3 });
    expect(stats.totals.throttled).toBe(3);
  });

  it('throttles pop-core (V1) callers the same way', async () => {
    emulator = await startEmulator({ latencyMs: 0, qps: 1 });
    await callApi(emulator, 'pop', 'DescribeLivePullToPushList', LIST);
    const failure = await callApiError(emulator, 'pop', 'DescribeLivePullToPushList', LIST);
    expect(failure.code).toBe('Throttling.User');
  });
});
