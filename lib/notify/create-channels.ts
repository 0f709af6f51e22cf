import type { Clock } from '../clock.js';
import type { Config } from '../config/config.js';
import type { Logger } from '../log.js';
import type { Channel } from './channel.js';
import { createDingtalkChannel } from './channels/dingtalk.js';
import { createFeishuChannel } from './channels/feishu.js';
import { createLogChannel } from './channels/log.js';
import { createSlackChannel } from './channels/slack.js';
import { createWebhookChannel } from './channels/webhook.js';
import { createWecomChannel } from './channels/wecom.js';

/**
 * The channels the settings configure (any subset of dingtalk, slack, feishu, wecom, webhook).
 * With none configured, the `log` channel stands in so notices are still grouped and visible.
 */
export function createChannels(config: Config, clock: Clock, log: Logger): Channel[] {
  const channels: Channel[] = [];
  if (config.LIVEWATCH_DINGTALK_WEBHOOK) {
    channels.push(
      createDingtalkChannel({
        url: config.LIVEWATCH_DINGTALK_WEBHOOK,
        secret: config.LIVEWATCH_DINGTALK_SECRET,
        mentions: { atMobiles: config.LIVEWATCH_DINGTALK_AT_MOBILES },
        keyword: config.LIVEWATCH_DINGTALK_KEYWORD,
        clock,
      }),
    );
  }
  if (config.LIVEWATCH_SLACK_WEBHOOK)
    channels.push(createSlackChannel({ url: config.LIVEWATCH_SLACK_WEBHOOK, clock }));
  if (config.LIVEWATCH_FEISHU_WEBHOOK) {
    channels.push(
      createFeishuChannel({
        url: config.LIVEWATCH_FEISHU_WEBHOOK,
        secret: config.LIVEWATCH_FEISHU_SECRET,
        clock,
      }),
    );
  }
  if (config.LIVEWATCH_WECOM_WEBHOOK)
    channels.push(createWecomChannel({ url: config.LIVEWATCH_WECOM_WEBHOOK, clock }));
  if (config.LIVEWATCH_WEBHOOK_URL) {
    channels.push(
      createWebhookChannel({
        url: config.LIVEWATCH_WEBHOOK_URL,
        secret: config.LIVEWATCH_WEBHOOK_SECRET,
        externalUrl: config.LIVEWATCH_STATUS_URL,
        clock,
      }),
    );
  }
  if (channels.length === 0) channels.push(createLogChannel(log));
  return channels;
}
