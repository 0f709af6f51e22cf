import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../lib/clock.js';
import type { Channel } from '../../lib/notify/channel.js';
import { createDingtalkChannel } from '../../lib/notify/channels/dingtalk.js';
import { createFeishuChannel } from '../../lib/notify/channels/feishu.js';
import { createSlackChannel } from '../../lib/notify/channels/slack.js';
import { createWebhookChannel } from '../../lib/notify/channels/webhook.js';
import { createWecomChannel } from '../../lib/notify/channels/wecom.js';
import { BACKOFF_BASE_MS } from '../../lib/notify/classify-http.js';

/** A loopback URL nobody listens on: a port that was just bound and released refuses connections. */
async function refusedUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
  return `http://127.0.0.1:${port}/hook?access_token=secret-token`;
}

const channels: ReadonlyArray<[string, (url: string) => Channel]> = [
  [
    'dingtalk',
    (url) => createDingtalkChannel({ url, secret: 'sec', clock: new ManualClock(1_700_000_000_000) }),
  ],
  ['slack', (url) => createSlackChannel({ url, clock: new ManualClock(1_700_000_000_000) })],
  ['feishu', (url) => createFeishuChannel({ url, secret: 'sec', clock: new ManualClock(1_700_000_000_000) })],
  ['wecom', (url) => createWecomChannel({ url, clock: new ManualClock(1_700_000_000_000) })],
  [
    'webhook',
    (url) => createWebhookChannel({ url, secret: 'sec', clock: new ManualClock(1_700_000_000_000) }),
  ],
];

describe('chat channel transport failures', () => {
  it.each(channels)(
    '%s: an unreachable endpoint is retried with backoff, naming the channel and not the token',
    async (name, create) => {
      const url = await refusedUrl();
      const outcome = await create(url).send({ text: 'hello' }, { messageId: 'm1' });
      expect(outcome).toMatchObject({ outcome: 'retry', afterMs: BACKOFF_BASE_MS, backoff: true });
      const reason = outcome.outcome === 'retry' ? outcome.reason : '';
      expect(reason.startsWith(`${name}: network error`)).toBe(true);
      expect(reason).not.toContain('secret-token');
    },
  );
});
