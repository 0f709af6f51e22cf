import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '../../lib/clock.js';
import { loadConfig } from '../../lib/config/config.js';
import { createLogger } from '../../lib/log.js';
import { createNotifier } from '../../lib/notify/create-notifier.js';
import type { Notice, Notifier } from '../../lib/notify/notice.js';
import { createStore } from '../../lib/store/create-store.js';
import type { Store } from '../../lib/store/store.js';
import {
  type ChatSinks,
  type ChatSinksOptions,
  type SinkChannel,
  startChatSinks,
} from '../../local/sinks/start-chat-sinks.js';

export interface SinkHarness {
  readonly clock: ManualClock;
  readonly sinks: ChatSinks;
  readonly store: Store;
  readonly notifier: Notifier;
  /** Every log line the notifier wrote (debug and up). */
  readonly logLines: string[];
  close(): Promise<void>;
}

const SETTING_OF: Record<SinkChannel, string> = {
  dingtalk: 'LIVEWATCH_DINGTALK_WEBHOOK',
  slack: 'LIVEWATCH_SLACK_WEBHOOK',
  feishu: 'LIVEWATCH_FEISHU_WEBHOOK',
  wecom: 'LIVEWATCH_WECOM_WEBHOOK',
  webhook: 'LIVEWATCH_WEBHOOK_URL',
};

/**
 * A notifier wired to real parts: the chat sinks over loopback HTTP, a SQLite store in a temp dir,
 * a ManualClock shared by both, and a logger whose lines are captured.
 */
export async function startSinkHarness(options: {
  readonly channels: readonly SinkChannel[];
  readonly env?: Readonly<Record<string, string>>;
  readonly sinks?: Omit<ChatSinksOptions, 'clock'>;
}): Promise<SinkHarness> {
  const clock = new ManualClock(Date.UTC(2026, 0, 1, 10, 0, 0));
  const sinks = await startChatSinks({ ...options.sinks, clock });
  const dir = mkdtempSync(join(tmpdir(), 'livewatch-notify-'));
  const store = await createStore(`sqlite:${join(dir, 'state.db')}`);
  const logLines: string[] = [];
  const log = createLogger({ level: 'debug', sink: (line) => logLines.push(line) });
  const env: Record<string, string> = { ...options.env };
  for (const channel of options.channels) env[SETTING_OF[channel]] = sinks.urls[channel];
  const config = loadConfig(env);
  const notifier = createNotifier({ config, store, clock, log });
  return {
    clock,
    sinks,
    store,
    notifier,
    logLines,
    async close() {
      await sinks.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

let sequence = 0;

/** A relay alert notice; `id` defaults to a fresh task. */
export function relayNotice(overrides: Partial<Notice> & { readonly task?: string } = {}): Notice {
  sequence += 1;
  const task = overrides.task ?? `task-${sequence}`;
  const { task: _task, ...rest } = overrides;
  return {
    id: `relay:cn-shanghai:${task}:offline`,
    status: 'firing',
    severity: 'warning',
    kind: 'relay',
    region: 'cn-shanghai',
    reason: 'PullStreamFailed',
    title: `relay ${task} offline (PullStreamFailed)`,
    text: `pull from rtmp://origin.example.com/live/${task} failed`,
    at: Date.UTC(2026, 0, 1, 10, 0, 0),
    ...rest,
  };
}
