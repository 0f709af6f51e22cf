import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '../../lib/clock.js';
import { type Config, loadConfig } from '../../lib/config/config.js';
import type { RelayTask } from '../../lib/events/resources.js';
import { resourceKey } from '../../lib/events/resources.js';
import { silentLogger } from '../../lib/log.js';
import { createRuntime, installRuntime } from '../../lib/runtime.js';
import { createStore } from '../../lib/store/create-store.js';
import type { BreakerState, HistoryEntry, RestartLedger, Store } from '../../lib/store/store.js';
import { type LocalHost, startLocalHost } from '../../local/host/start-local-host.js';

export const STATUS_TOKEN = 'status-token-0123456789abcdef';
export const OLD_STATUS_TOKEN = 'status-token-previous-0123456';
export const METRICS_TOKEN = 'metrics-token-0123456789abcd';
export const CALLBACK_TOKEN = 'callback-token-0123456789abc';
/** Values that must never appear on a page, in the API or in metrics. */
export const SECRETS = {
  accessKeySecret: 'AKSECRET-never-shown-0123456789',
  streamAuthKey: 'streamauthkey0123456789',
  dingtalkSecret: 'SECdingtalk-never-shown-01234',
  dingtalkToken: 'dingtalkaccesstoken0123456789',
} as const;

/**
 * The real callback function handler (status page, API and /metrics included) in the local FC host
 * over loopback HTTP, with a runtime on a real store (a SQLite file by default) and a ManualClock.
 */
export async function startStatusHarness(options: { env?: Record<string, string>; storeUrl?: string } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'lw-status-'));
  const store: Store = await createStore(options.storeUrl ?? `sqlite:${join(dir, 'state.db')}`);
  const clock = new ManualClock(Date.UTC(2026, 11, 3, 2, 0, 0));
  const config: Config = loadConfig({
    LIVEWATCH_CALLBACK_TOKENS: CALLBACK_TOKEN,
    LIVEWATCH_STATUS_TOKENS: `${STATUS_TOKEN},${OLD_STATUS_TOKEN}`,
    LIVEWATCH_METRICS_TOKENS: METRICS_TOKEN,
    LIVEWATCH_LIVE_REGIONS: 'cn-shanghai,cn-beijing',
    ALIBABA_CLOUD_ACCESS_KEY_ID: 'LTAI-status-test',
    ALIBABA_CLOUD_ACCESS_KEY_SECRET: SECRETS.accessKeySecret,
    LIVEWATCH_DINGTALK_WEBHOOK: `https://oapi.dingtalk.com/robot/send?access_token=${SECRETS.dingtalkToken}`,
    LIVEWATCH_DINGTALK_SECRET: SECRETS.dingtalkSecret,
    ...options.env,
  });
  const runtime = await createRuntime({
    config,
    store,
    clock,
    log: silentLogger,
    invoker: { invokeAsync: async () => undefined },
  });
  installRuntime(runtime);
  const callback = await import('../../functions/callback/index.js');
  const host: LocalHost = await startLocalHost({
    handlers: { callback: callback.handler },
    pollIntervalMs: 0,
    tickIntervalMs: 0,
    clock,
  });
  const get = (
    path: string,
    init: { token?: string; cookie?: string; headers?: Record<string, string> } = {},
  ) =>
    fetch(`${host.url}${path}`, {
      redirect: 'manual',
      headers: {
        ...(init.token ? { authorization: `Bearer ${init.token}` } : {}),
        ...(init.cookie ? { cookie: init.cookie } : {}),
        ...init.headers,
      },
    });
  return {
    store,
    clock,
    config,
    host,
    get,
    async close() {
      await host.close();
      installRuntime(undefined);
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A relay task whose URLs carry a stream auth key and the callback token, as real ones do. */
export function relayTask(taskId: string, overrides: Partial<RelayTask> = {}): RelayTask {
  return {
    kind: 'relay',
    taskId,
    region: 'cn-shanghai',
    status: 1,
    state: 'running',
    name: `channel ${taskId}`,
    sourceType: 'live',
    sourceUrls: [`rtmp://origin.example.com/live/${taskId}?auth_key=1700000000-0-0-${SECRETS.streamAuthKey}`],
    dstUrl: `rtmp://push.example.net/app/${taskId}?auth_key=1700000000-0-0-${SECRETS.streamAuthKey}`,
    callbackUrl: `https://lw.example.com/callback/${CALLBACK_TOKEN}?region=cn-shanghai`,
    ...overrides,
  };
}

export async function putTask(store: Store, task: RelayTask, stateSince: number): Promise<string> {
  const key = resourceKey({ kind: 'relay', region: task.region, id: task.taskId });
  const current = await store.snapshots.get(key);
  await store.snapshots.put(
    key,
    { resource: task, observedAt: stateSince, stateSince },
    current?.version ?? null,
  );
  return key;
}

export async function putLedger(
  store: Store,
  key: string,
  ledger: Partial<RestartLedger> & { taskId: string },
) {
  const current = await store.ledgers.get(key);
  await store.ledgers.put(
    key,
    { region: 'cn-shanghai', restarts: [], consecutive: 0, needsPerson: false, lineage: [], ...ledger },
    current?.version ?? null,
  );
}

/** A breaker on `scope` (e.g. `host:<source host>`) that opened at `openedAt` on one failure; `extra` overrides. */
export async function putOpenBreaker(
  store: Store,
  scope: string,
  openedAt: number,
  extra: Partial<BreakerState> = {},
): Promise<void> {
  await store.breakers.put(
    scope,
    { key: scope, state: 'open', failures: [openedAt], openedAt, ...extra },
    null,
  );
}

export async function putHistory(store: Store, key: string, entries: HistoryEntry[]): Promise<void> {
  for (const entry of entries) await store.appendHistory(key, entry);
}
