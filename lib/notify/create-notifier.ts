import { z } from 'zod';
import type { Clock } from '../clock.js';
import type { Config } from '../config/config.js';
import { LivewatchError, ValidationError } from '../errors.js';
import type { Logger } from '../log.js';
import { registerSecrets } from '../redact.js';
import type { NotificationGroup, Store, Versioned } from '../store/store.js';
import type { Channel, MessageContent } from './channel.js';
import { createChannels } from './create-channels.js';
import { deliverOutbox } from './deliver-outbox.js';
import { linksOf } from './links-of.js';
import type { FlushReport, Notice, Notifier } from './notice.js';
import type { OutboxPayload } from './outbox-payload.js';
import { applyNotice, type GroupTimings, groupKeyOf, planGroupFlush } from './plan-group.js';
import { redactDeep } from './redact-deep.js';

export interface NotifierDeps {
  readonly config: Config;
  readonly store: Store;
  readonly clock: Clock;
  readonly log: Logger;
  /** Overrides the channels built from the settings (e.g. a console channel for `npm start`). */
  readonly channels?: readonly Channel[];
}

const NoticeSchema = z.object({
  id: z.string().min(1).max(500),
  status: z.enum(['firing', 'resolved']),
  severity: z.enum(['critical', 'warning', 'info']),
  kind: z.enum(['relay', 'record', 'transcode', 'monitor']),
  // Monitor-wide notices may have no region or reason: they still group (under an empty label).
  region: z.string().max(100),
  reason: z.string().max(200),
  // Long wording is cut when stored (plan-group.ts), never rejected: a notice must not be lost over length.
  title: z.string(),
  text: z.string(),
  zh: z.object({ title: z.string(), text: z.string() }).optional(),
  links: z
    .array(z.object({ kind: z.enum(['console', 'status']), url: z.url() }))
    .max(4)
    .optional(),
  inhibitedBy: z.array(z.string().min(1).max(300)).max(20).optional(),
  supersedes: z
    .array(
      z.object({
        id: z.string().min(1).max(500),
        severity: z.enum(['critical', 'warning', 'info']),
        reason: z.string().max(200),
      }),
    )
    .max(5)
    .optional(),
  at: z.number().int().nonnegative(),
});

/** Compare-and-set attempts before a group update gives up (only under heavy concurrent writes). */
const CAS_ATTEMPTS = 20;

/**
 * The notifier (Alertmanager's model): `notify` records a notice into its group on every channel;
 * `flush` (on the alert tick) turns due groups into outbox messages and delivers due messages under
 * each channel's pace. All state lives in the Store, so any instance can flush.
 * @example
 * const notifier = createNotifier({ config, store, clock: systemClock, log });
 * await notifier.notify({ id: 'relay:cn-shanghai:t1:offline', status: 'firing', severity: 'critical',
 *   kind: 'relay', region: 'cn-shanghai', reason: 'PullStreamFailed', title: 'relay t1 offline',
 *   text: 'source unreachable', at: Date.now() });
 * const report = await notifier.flush();
 */
export function createNotifier(deps: NotifierDeps): Notifier {
  const { config, store, clock, log } = deps;
  // Webhook URLs carry tokens: mask them wherever they might surface.
  registerSecrets(
    config.LIVEWATCH_DINGTALK_WEBHOOK,
    config.LIVEWATCH_SLACK_WEBHOOK,
    config.LIVEWATCH_FEISHU_WEBHOOK,
    config.LIVEWATCH_WECOM_WEBHOOK,
    config.LIVEWATCH_WEBHOOK_URL,
  );
  const channels = deps.channels ?? createChannels(config, clock, log);
  const byName = new Map(channels.map((channel) => [channel.name, channel]));
  const timings: GroupTimings = {
    groupWaitMs: config.LIVEWATCH_GROUP_WAIT_S * 1000,
    groupWaitCriticalMs: config.LIVEWATCH_GROUP_WAIT_CRITICAL_S * 1000,
    groupIntervalMs: config.LIVEWATCH_GROUP_INTERVAL_S * 1000,
    repeatIntervalMs: config.LIVEWATCH_REPEAT_INTERVAL_S * 1000,
    sendResolved: config.LIVEWATCH_SEND_RESOLVED,
  };

  async function notifyChannel(channel: string, notice: Notice): Promise<void> {
    for (const replaced of notice.supersedes ?? []) {
      const key = groupKeyOf(channel, { ...notice, severity: replaced.severity, reason: replaced.reason });
      await updateGroup(key, channel, notice, (current) => dropAlert(current, replaced.id));
    }
    await updateGroup(groupKeyOf(channel, notice), channel, notice, (current) =>
      applyNotice(current, notice, channel, timings, clock.now()),
    );
  }

  async function updateGroup(
    key: string,
    channel: string,
    notice: Notice,
    change: (current: NotificationGroup | undefined) => NotificationGroup | undefined,
  ): Promise<void> {
    for (let attempt = 0; attempt < CAS_ATTEMPTS; attempt += 1) {
      const current = await store.groups.get(key);
      const next = change(current?.value);
      if (next === undefined) return;
      const result = await store.groups.put(key, next, current?.version ?? null);
      if (result.ok) return;
    }
    throw new LivewatchError('notification group kept changing under concurrent updates', {
      context: { channel, group: key, notice: notice.id },
    });
  }

  /** Breakers that are open or probing: the alerts they explain are folded into theirs. */
  async function openBreakerKeys(): Promise<Set<string>> {
    const open = new Set<string>();
    for (const { key, value } of await store.breakers.list()) if (value.state !== 'closed') open.add(key);
    return open;
  }

  async function flushGroups(): Promise<number> {
    let flushed = 0;
    const now = clock.now();
    const listedGroups = await store.groups.list();
    const openBreakers = listedGroups.length > 0 ? await openBreakerKeys() : new Set<string>();
    for (const listed of listedGroups) {
      let doc: Versioned<NotificationGroup> | undefined = listed;
      for (
        let attempt = 0;
        doc !== undefined && doc.value.nextFlushAt <= now && attempt < CAS_ATTEMPTS;
        attempt += 1
      ) {
        const group = doc.value;
        const plan = planGroupFlush(group, doc.version, timings, now, openBreakers);
        if (plan.summary !== undefined && plan.messageId !== undefined) {
          const channel = byName.get(group.channel);
          if (channel === undefined) {
            log.warn('notification group for a channel no longer configured: dropped', {
              channel: group.channel,
            });
          } else {
            const content: MessageContent = {
              groups: [plan.summary],
              at: now,
              language: config.LIVEWATCH_LANGUAGE,
              timeZone: config.LIVEWATCH_TIME_ZONE,
            };
            const payload: OutboxPayload = {
              body: redactDeep(channel.render(content, channel.maxBytes)),
              content,
            };
            // Enqueued before the group is updated: a crash in between re-sends (same id), never loses.
            await store.enqueueOutbox({
              id: plan.messageId,
              channel: group.channel,
              payload,
              dueAt: now,
              createdAt: now,
            });
          }
        }
        const ok =
          plan.next === undefined
            ? await store.groups.delete(listed.key, doc.version)
            : (await store.groups.put(listed.key, plan.next, doc.version)).ok;
        if (ok) {
          if (plan.summary !== undefined) flushed += 1;
          break;
        }
        // Someone changed the group meanwhile (a new notice, another flusher): plan again on the new state.
        doc = await store.groups.get(listed.key);
      }
    }
    return flushed;
  }

  return {
    async notify(notice) {
      const parsed = NoticeSchema.safeParse(notice);
      if (!parsed.success) {
        throw new ValidationError(
          'notice',
          parsed.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message })),
        );
      }
      const links = linksOf(notice.resource, config.LIVEWATCH_STATUS_URL);
      const linked: Notice = links.length > 0 ? { ...notice, links } : notice;
      for (const channel of byName.keys()) await notifyChannel(channel, linked);
    },
    async flush(): Promise<FlushReport> {
      const groupsFlushed = await flushGroups();
      const counts = await deliverOutbox({
        store,
        clock,
        log,
        channels: byName,
        maxAttempts: config.LIVEWATCH_NOTIFY_MAX_ATTEMPTS,
        maxAgeMs: config.LIVEWATCH_NOTIFY_MAX_AGE_S * 1000,
      });
      return { groupsFlushed, ...counts };
    },
  };
}

/** Removes a still-firing alert without a resolved message (it escalated into another alert). */
function dropAlert(group: NotificationGroup | undefined, id: string): NotificationGroup | undefined {
  const alert = group?.alerts[id];
  if (group === undefined || alert === undefined || alert.status !== 'firing') return undefined;
  const { [id]: _dropped, ...alerts } = group.alerts;
  return { ...group, alerts };
}
