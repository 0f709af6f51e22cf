import type { Clock } from '../clock.js';
import type { Config } from '../config/config.js';
import { registerSecrets } from '../redact.js';
import type { Channel } from './channel.js';
import { createDingtalkChannel } from './channels/dingtalk.js';
import { createFeishuChannel } from './channels/feishu.js';
import { createSlackChannel } from './channels/slack.js';
import { createWebhookChannel } from './channels/webhook.js';
import { createWecomChannel } from './channels/wecom.js';
import type { ReceiverSpec } from './routing-file.js';

/**
 * One receiver's channel from its spec: a routing file's receiver, or one the simple settings
 * configure (`create-channels.ts` writes those as specs too, so both kinds are built alike).
 */
export function createReceiver(spec: ReceiverSpec, config: Config, clock: Clock): Channel {
  // The file holds credentials: mask them wherever they might surface.
  registerSecrets(spec.url, 'secret' in spec ? spec.secret : undefined);
  // Every channel is named and clocked alike; the cases say only what differs.
  const base = { name: spec.name, clock };
  switch (spec.type) {
    case 'dingtalk':
      for (const robot of spec.robots ?? []) registerSecrets(robot.url, robot.secret);
      return createDingtalkChannel({
        ...base,
        url: spec.url ?? spec.robots?.[0]?.url ?? '',
        robots: spec.robots,
        secret: spec.secret,
        keyword: spec.keyword,
        mentions: spec.mentions,
      });
    case 'slack':
      return createSlackChannel({
        ...base,
        url: spec.url,
        mentions: spec.mentions,
      });
    case 'feishu':
      return createFeishuChannel({
        ...base,
        url: spec.url,
        secret: spec.secret,
        mentions: spec.mentions,
      });
    case 'wecom':
      return createWecomChannel({
        ...base,
        url: spec.url,
        mentions: spec.mentions,
      });
    case 'webhook':
      return createWebhookChannel({
        ...base,
        url: spec.url,
        secret: spec.secret,
        externalUrl: config.LIVEWATCH_STATUS_URL,
      });
  }
}
