import { z } from 'zod';
import type { Clock } from '../clock.js';
import type { Config } from '../config/config.js';
import { ValidationError } from '../errors.js';
import { resourceKey } from '../events/resources.js';
import type { Logger } from '../log.js';
import { registerSecrets } from '../redact.js';
import { compareAndSet } from '../store/compare-and-set.js';
import type { NotificationGroup, Store } from '../store/store.js';
import { zodIssues } from '../zod-issues.js';
import { activeSilenceFor } from './active-silence.js';
import type { Channel } from './channel.js';
import { createRouting, DEFAULT_ROUTE, matchRoutes, type Route } from './create-routing.js';
import { deliverOutbox } from './deliver-outbox.js';
import { flushGroups } from './flush-groups.js';
import { linksOf } from './links-of.js';
import { labelsOfNotice } from './match-labels.js';
import type { FlushReport, Notice, Notifier } from './notice.js';
import { noticeHistoryKey } from './notice-history-key.js';
import { applyNotice, groupKeyOf } from './plan-group.js';

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
  sourceHosts: z.array(z.string().min(1).max(300)).max(20).optional(),
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
 * The notifier (Alertmanager's model): `notify` routes a notice through the routing tree and
 * records it into its group on each receiver of each matching route (unless a silence matches);
 * `flush` (on the alert tick) turns due groups into outbox messages and delivers due messages under
 * each receiver's pace. All state lives in the Store, so any instance can flush.
 * @example
 * const notifier = createNotifier({ config, store, clock: systemClock, log });
 * await notifier.notify({ id: 'relay:cn-shanghai:t1:offline', status: 'firing', severity: 'critical',
 *   kind: 'relay', region: 'cn-shanghai', reason: 'PullStreamFailed', title: 'relay t1 offline',
 *   text: 'source unreachable', at: Date.now() });
 * const report = await notifier.flush();
 */
// Longer than ~80 lines on purpose: the notifier's closure (routing, receivers by name) with short
// inner steps (notifyReceiver, updateGroup, targetsOf, silenced); grouping and delivery are their own
// modules (plan-group.ts, flush-groups.ts, deliver-outbox.ts).
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
  const routing = createRouting(config, clock, log, deps.channels);
  const byName = new Map(routing.channels.map((channel) => [channel.name, channel]));
  const routeOf = (group: NotificationGroup): Route =>
    routing.byId.get(group.labels.route ?? DEFAULT_ROUTE) ?? routing.root;

  async function notifyReceiver(channel: string, route: Route, notice: Notice): Promise<void> {
    for (const replaced of notice.supersedes ?? []) {
      const key = groupKeyOf(
        channel,
        { ...notice, severity: replaced.severity, reason: replaced.reason },
        route.id,
      );
      await updateGroup(key, (current) => dropAlert(current, replaced.id));
    }
    await updateGroup(groupKeyOf(channel, notice, route.id), (current) =>
      applyNotice(current, notice, channel, route.timings, clock.now(), route.id),
    );
  }

  /** One group's read-modify-write; a group still changing after CAS_ATTEMPTS is StoreConflictError. */
  async function updateGroup(
    key: string,
    change: (current: NotificationGroup | undefined) => NotificationGroup | undefined,
  ): Promise<void> {
    await compareAndSet(
      store.groups,
      key,
      (current) => ({ next: change(current?.value), result: undefined }),
      {
        attempts: CAS_ATTEMPTS,
      },
    );
  }

  /** Each (receiver, route) pair the notice goes to, once. */
  function targetsOf(notice: Notice): Array<{ channel: string; route: Route }> {
    const targets = new Map<string, { channel: string; route: Route }>();
    for (const route of matchRoutes(routing.root, labelsOfNotice(notice))) {
      for (const channel of route.receivers) {
        if (byName.has(channel)) targets.set(`${channel}@${route.id}`, { channel, route });
      }
    }
    return [...targets.values()];
  }

  /**
   * A firing notice a silence matches is recorded in the resource's history and not sent; what it
   * had already put in its groups leaves them quietly. Resolved notices always pass.
   */
  async function silenced(notice: Notice, targets: ReadonlyArray<{ channel: string; route: Route }>) {
    if (notice.status !== 'firing') return false;
    const silence = await activeSilenceFor(store, labelsOfNotice(notice), clock.now());
    if (silence === undefined) return false;
    await store.appendHistory(notice.resource ? resourceKey(notice.resource) : `notify:${notice.kind}`, {
      at: clock.now(),
      type: 'silenced',
      message: `not sent (silence ${silence.id} by ${silence.createdBy}: ${silence.comment}): ${notice.title}`,
      data: { silence: silence.id, notice: notice.id, severity: notice.severity },
    });
    for (const { channel, route } of targets) {
      await updateGroup(groupKeyOf(channel, notice, route.id), (current) => dropAlert(current, notice.id));
    }
    return true;
  }

  return {
    async notify(notice) {
      const parsed = NoticeSchema.safeParse(notice);
      if (!parsed.success) {
        throw new ValidationError('notice', zodIssues(parsed.error));
      }
      const links = linksOf(notice.resource, config.LIVEWATCH_STATUS_URL);
      const linked: Notice = links.length > 0 ? { ...notice, links } : notice;
      const targets = targetsOf(linked);
      if (await silenced(linked, targets)) return;
      for (const { channel, route } of targets) await notifyReceiver(channel, route, linked);
      // The task's timeline on the status page shows which notices went to which receivers.
      if (linked.resource && targets.length > 0) {
        const channels = [...new Set(targets.map((target) => target.channel))];
        await store.appendHistory(noticeHistoryKey(resourceKey(linked.resource)), {
          at: clock.now(),
          type: 'notice',
          message: `${linked.status} ${linked.severity} notice to ${channels.join(', ')}: ${linked.title}`,
          data: { notice: linked.id, severity: linked.severity, status: linked.status, channels },
        });
      }
    },
    async flush(): Promise<FlushReport> {
      const groupsFlushed = await flushGroups({ store, clock, log, channels: byName, routeOf });
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

/** Removes a still-firing alert without a resolved message (escalated into another, or silenced). */
function dropAlert(group: NotificationGroup | undefined, id: string): NotificationGroup | undefined {
  const alert = group?.alerts[id];
  if (group === undefined || alert === undefined || alert.status !== 'firing') return undefined;
  const { [id]: _dropped, ...alerts } = group.alerts;
  return { ...group, alerts };
}
