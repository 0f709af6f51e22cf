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
  // A receiver's fields (name, url, secret, mentions, …) are its channel's option names: each case
  // adds only the clock and what differs.
  switch (spec.type) {
    case 'dingtalk':
      for (const robot of spec.robots ?? []) registerSecrets(robot.url, robot.secret);
      return createDingtalkChannel({ ...spec, url: spec.url ?? spec.robots?.[0]?.url ?? '', clock });
    case 'slack':
      return createSlackChannel({ ...spec, clock });
    case 'feishu':
      return createFeishuChannel({ ...spec, clock });
    case 'wecom':
      return createWecomChannel({ ...spec, clock });
    case 'webhook':
      return createWebhookChannel({ ...spec, externalUrl: config.LIVEWATCH_STATUS_URL, clock });
  }
}
