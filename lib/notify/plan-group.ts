import { createHash } from 'node:crypto';
import { redact } from '../redact.js';
import type { GroupedAlert, NotificationGroup } from '../store/store.js';
import type { AlertLine, GroupSummary } from './channel.js';
import type { Notice } from './notice.js';

/** Alertmanager's timers, in ms, plus send_resolved. */
export interface GroupTimings {
  readonly groupWaitMs: number;
  readonly groupWaitCriticalMs: number;
  readonly groupIntervalMs: number;
  readonly repeatIntervalMs: number;
  readonly sendResolved: boolean;
}

const MAX_TITLE_CHARS = 300;
const MAX_TEXT_CHARS = 2_000;

/** Cuts to `max` UTF-16 units without splitting a surrogate pair. */
function cutChars(text: string, max: number): string {
  if (text.length <= max) return text;
  const code = text.charCodeAt(max - 1);
  return `${text.slice(0, code >= 0xd800 && code <= 0xdbff ? max - 1 : max)}…`;
}

/**
 * `<receiver>/<severity>/<kind>/<region>/<reason>`: the grouping labels, in order. A routing-file
 * route other than the default one adds its id (`<receiver>@<route>/…`), so its timings apply.
 */
export function groupKeyOf(
  channel: string,
  notice: Pick<Notice, 'severity' | 'kind' | 'region' | 'reason'>,
  route = 'default',
): string {
  const head = route === 'default' ? channel : `${channel}@${route}`;
  return [head, notice.severity, notice.kind, notice.region, notice.reason].join('/');
}

/**
 * Applies a notice to a group (undefined: the group does not exist yet). Returns the new group, or
 * undefined when nothing changes (a resolve for an alert that is not pending or already resolved).
 * Timers: a new group waits group_wait (critical: its own, 0 s by default); a change to a group that
 * was already sent is due group_interval after that send; otherwise the group keeps its due time.
 */
export function applyNotice(
  current: NotificationGroup | undefined,
  notice: Notice,
  channel: string,
  timings: GroupTimings,
  now: number,
  route = 'default',
): NotificationGroup | undefined {
  const next = nextAlert(current?.alerts[notice.id], notice, now);
  if (next === undefined) return undefined;
  const { alert, changed } = next;
  const groupWait = notice.severity === 'critical' ? timings.groupWaitCriticalMs : timings.groupWaitMs;
  if (current === undefined) {
    return {
      key: groupKeyOf(channel, notice, route),
      channel,
      severity: notice.severity,
      labels: {
        channel,
        severity: notice.severity,
        kind: notice.kind,
        region: redact(notice.region),
        reason: redact(notice.reason),
        ...(route === 'default' ? {} : { route }),
      },
      alerts: { [notice.id]: alert },
      nextFlushAt: now + groupWait,
    };
  }
  let nextFlushAt = current.nextFlushAt;
  if (changed && current.lastSentAt !== undefined) {
    nextFlushAt = Math.min(nextFlushAt, Math.max(now, current.lastSentAt + timings.groupIntervalMs));
  } else if (changed) {
    // Never sent (e.g. everything in it was folded into a breaker's alert): due after group_wait.
    nextFlushAt = Math.min(nextFlushAt, now + groupWait);
  }
  return { ...current, alerts: { ...current.alerts, [notice.id]: alert }, nextFlushAt };
}

/**
 * The alert a notice makes of the one already in the group, and whether that is a change worth a
 * message; undefined for a resolve of an alert that is not firing.
 */
function nextAlert(
  existing: GroupedAlert | undefined,
  notice: Notice,
  now: number,
): { readonly alert: GroupedAlert; readonly changed: boolean } | undefined {
  // Info notices are one-shot events: recorded as they come, removed once sent, never resolved.
  const oneShot = notice.severity === 'info';
  const { title, text, extra } = storedWording(notice);
  if (notice.status === 'resolved' && !oneShot) {
    if (existing === undefined || existing.status === 'resolved') return undefined;
    // The resolve's own wording ("relay X running again") when it has some, else the firing one's.
    const alert: GroupedAlert = {
      ...existing,
      status: 'resolved',
      title: title || existing.title,
      text: text || existing.text,
      ...(notice.zh ? { zh: extra.zh } : {}),
      endsAt: notice.at,
      updatedAt: now,
    };
    return { alert, changed: true };
  }
  if (existing !== undefined && existing.status === 'firing' && !oneShot) {
    // Still firing: refresh the wording, which is not a change worth a message.
    return { alert: { ...existing, title, text, ...extra, updatedAt: now }, changed: false };
  }
  const alert: GroupedAlert = {
    id: notice.id,
    status: oneShot ? notice.status : 'firing',
    title,
    text,
    ...extra,
    startsAt: notice.at,
    ...(oneShot && notice.status === 'resolved' ? { endsAt: notice.at } : {}),
    updatedAt: now,
  };
  return { alert, changed: true };
}

/** The notice's words as stored: redacted and cut before storing (every flush re-renders them). */
function storedWording(notice: Notice) {
  const extra = {
    ...(notice.zh
      ? {
          zh: {
            title: cutChars(redact(notice.zh.title), MAX_TITLE_CHARS),
            text: cutChars(redact(notice.zh.text), MAX_TEXT_CHARS),
          },
        }
      : {}),
    ...(notice.links && notice.links.length > 0 ? { links: notice.links.map((link) => ({ ...link })) } : {}),
    ...(notice.inhibitedBy && notice.inhibitedBy.length > 0 ? { inhibitedBy: [...notice.inhibitedBy] } : {}),
  };
  return {
    title: cutChars(redact(notice.title), MAX_TITLE_CHARS),
    text: cutChars(redact(notice.text), MAX_TEXT_CHARS),
    extra,
  };
}

export interface GroupFlushPlan {
  /** What to send now, if anything. */
  readonly summary?: GroupSummary;
  /** Outbox id for the message: the same for every instance flushing the same group version. */
  readonly messageId?: string;
  /** The group after the flush; undefined deletes it (fully resolved and sent, or one-shot sent). */
  readonly next?: NotificationGroup;
}

interface Fingerprint {
  readonly firing: readonly string[];
  readonly resolved: readonly string[];
}

function parseFingerprint(text: string | undefined): Fingerprint {
  if (!text) return { firing: [], resolved: [] };
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value === 'object' && value !== null && 'firing' in value && Array.isArray(value.firing)) {
      const resolved = 'resolved' in value && Array.isArray(value.resolved) ? value.resolved : [];
      return {
        firing: value.firing.filter((id): id is string => typeof id === 'string'),
        resolved: resolved.filter((id): id is string => typeof id === 'string'),
      };
    }
  } catch {
    // A fingerprint we cannot read counts as "nothing sent": at worst one extra message.
  }
  return { firing: [], resolved: [] };
}

function fingerprintOf(firing: readonly GroupedAlert[], resolved: readonly GroupedAlert[]): string {
  return JSON.stringify({
    firing: firing.map((alert) => alert.id).sort(),
    resolved: resolved.map((alert) => alert.id).sort(),
  });
}

function lineOf(alert: GroupedAlert): AlertLine {
  return {
    id: alert.id,
    status: alert.status,
    title: alert.title,
    text: alert.text,
    ...(alert.zh ? { zh: alert.zh } : {}),
    ...(alert.links ? { links: alert.links } : {}),
    startsAt: alert.startsAt,
    ...(alert.endsAt === undefined ? {} : { endsAt: alert.endsAt }),
  };
}

const byStart = (a: GroupedAlert, b: GroupedAlert): number =>
  a.startsAt - b.startsAt || a.id.localeCompare(b.id);

/**
 * Decides a due group's flush (Alertmanager's notification log, per group and receiver):
 * - alerts that resolved without ever having been sent firing are dropped silently (flap damping);
 * - inhibition: a firing alert not yet sent whose `inhibitedBy` names an open breaker (`openBreakers`)
 *   is folded into that breaker's alert — kept while it fires, never sent on its own, dropped when
 *   it resolves (the breaker's resolved message says what recovered);
 * - the first notification goes out when anything fires; later ones when a new alert fires or a sent
 *   one resolved (send_resolved), else an unchanged firing group is repeated after repeat_interval;
 * - resolved alerts leave the group once sent; a group with nothing firing is deleted;
 * - info groups send their one-shot notices and are deleted.
 */
export function planGroupFlush(
  group: NotificationGroup,
  version: number,
  timings: GroupTimings,
  now: number,
  openBreakers: ReadonlySet<string> = new Set(),
): GroupFlushPlan {
  const sent = new Set(parseFingerprint(group.lastSentFingerprint).firing);
  const alerts = Object.values(group.alerts)
    .map((alert) => foldIfInhibited(alert, sent, openBreakers))
    .sort(byStart);
  const messageId = (fingerprint: string): string =>
    `n-${createHash('sha256').update(`${group.key}\n${version}\n${group.nextFlushAt}\n${fingerprint}`).digest('hex').slice(0, 32)}`;
  const summaryOf = (firing: GroupedAlert[], resolved: GroupedAlert[], repeat: boolean): GroupSummary => ({
    key: group.key,
    severity: group.severity,
    labels: group.labels,
    firing: firing.map(lineOf),
    resolved: resolved.map(lineOf),
    repeat,
    fresh: firing.filter((alert) => !sent.has(alert.id)).length,
  });

  if (group.severity === 'info') {
    if (alerts.length === 0) return {};
    const firing = alerts.filter((alert) => alert.status === 'firing');
    const resolved = alerts.filter((alert) => alert.status === 'resolved');
    return {
      summary: summaryOf(firing, resolved, false),
      messageId: messageId(fingerprintOf(firing, resolved)),
    };
  }

  // Folded alerts stay in the group while they fire (so they stay folded) but are never shown.
  const folded = alerts.filter((alert) => alert.foldedInto !== undefined && alert.status === 'firing');
  const visible = alerts.filter((alert) => alert.foldedInto === undefined);
  const firing = visible.filter((alert) => alert.status === 'firing');
  const resolvedSent = visible.filter((alert) => alert.status === 'resolved' && sent.has(alert.id));
  const resolvedToSend = timings.sendResolved ? resolvedSent : [];
  const keep = Object.fromEntries([...firing, ...folded].map((alert) => [alert.id, alert]));
  if (firing.length === 0 && resolvedToSend.length === 0) {
    if (folded.length === 0) return {};
    // Only folded alerts left: nothing to say; a new notice makes the group due again.
    return { next: { ...group, alerts: keep, nextFlushAt: now + timings.repeatIntervalMs } };
  }

  const newFiring = firing.some((alert) => !sent.has(alert.id));
  const changed = newFiring || resolvedToSend.length > 0;
  const lastSentAt = group.lastSentAt;
  const firstSend = lastSentAt === undefined;
  const repeatDue = lastSentAt !== undefined && now >= lastSentAt + timings.repeatIntervalMs;
  const stillFiring = firing.length + folded.length > 0;

  if (!firstSend && !changed && !repeatDue) {
    // Nothing new (resolved alerts dropped with send_resolved off): wait for the repeat.
    const next: NotificationGroup = {
      ...group,
      alerts: keep,
      nextFlushAt: lastSentAt + timings.repeatIntervalMs,
      lastSentFingerprint: fingerprintOf(firing, []),
    };
    return stillFiring ? { next } : {};
  }
  const fingerprint = fingerprintOf(firing, resolvedToSend);
  const summary = summaryOf(firing, resolvedToSend, !firstSend && !changed);
  if (!stillFiring) return { summary, messageId: messageId(fingerprint) };
  return {
    summary,
    messageId: messageId(fingerprint),
    next: {
      ...group,
      alerts: keep,
      lastSentAt: now,
      lastSentFingerprint: fingerprint,
      nextFlushAt: now + timings.repeatIntervalMs,
    },
  };
}

/** Folds a firing, never-sent alert whose inhibitor is open (sticky: it stays folded while it fires). */
function foldIfInhibited(
  alert: GroupedAlert,
  sent: ReadonlySet<string>,
  openBreakers: ReadonlySet<string>,
): GroupedAlert {
  if (alert.foldedInto !== undefined || alert.status !== 'firing' || sent.has(alert.id)) return alert;
  const by = alert.inhibitedBy?.find((key) => openBreakers.has(key));
  return by === undefined ? alert : { ...alert, foldedInto: by };
}
