import type { Clock } from '../clock.js';
import type { Config } from '../config/config.js';
import type { Logger } from '../log.js';
import type { Channel } from './channel.js';
import { createLogChannel } from './channels/log.js';
import { createReceiver } from './create-receiver.js';
import type { ReceiverSpec } from './routing-file.js';

/**
 * The channels the settings configure (any subset of dingtalk, slack, feishu, wecom, webhook), each
 * named after its type. With none configured, the `log` channel stands in so notices are still
 * grouped and visible.
 */
export function createChannels(config: Config, clock: Clock, log: Logger): Channel[] {
  const channels = receiversOfSettings(config).map((spec) => createReceiver(spec, config, clock));
  return channels.length > 0 ? channels : [createLogChannel(log)];
}

/** The simple settings as receiver specs, built like a routing file's receivers. */
function receiversOfSettings(config: Config): ReceiverSpec[] {
  const specs: Array<ReceiverSpec | undefined> = [
    config.LIVEWATCH_DINGTALK_WEBHOOK
      ? {
          type: 'dingtalk',
          name: 'dingtalk',
          url: config.LIVEWATCH_DINGTALK_WEBHOOK,
          secret: config.LIVEWATCH_DINGTALK_SECRET,
          keyword: config.LIVEWATCH_DINGTALK_KEYWORD,
          mentions: { mobiles: config.LIVEWATCH_DINGTALK_AT_MOBILES },
        }
      : undefined,
    config.LIVEWATCH_SLACK_WEBHOOK
      ? { type: 'slack', name: 'slack', url: config.LIVEWATCH_SLACK_WEBHOOK }
      : undefined,
    config.LIVEWATCH_FEISHU_WEBHOOK
      ? {
          type: 'feishu',
          name: 'feishu',
          url: config.LIVEWATCH_FEISHU_WEBHOOK,
          secret: config.LIVEWATCH_FEISHU_SECRET,
        }
      : undefined,
    config.LIVEWATCH_WECOM_WEBHOOK
      ? { type: 'wecom', name: 'wecom', url: config.LIVEWATCH_WECOM_WEBHOOK }
      : undefined,
    config.LIVEWATCH_WEBHOOK_URL
      ? {
          type: 'webhook',
          name: 'webhook',
          url: config.LIVEWATCH_WEBHOOK_URL,
          secret: config.LIVEWATCH_WEBHOOK_SECRET,
        }
      : undefined,
  ];
  return specs.filter((spec) => spec !== undefined);
}
