import { createHash } from 'node:crypto';
import type { Clock } from '../clock.js';
import { describeError } from '../errors.js';
import type { Logger } from '../log.js';
import { redact, redactDeep } from '../redact.js';
import type { OutboxMessage, Store } from '../store/store.js';
import type { Channel, GroupSummary, MessageContent, SendOutcome } from './channel.js';
import { BACKOFF_BASE_MS } from './classify-http.js';
import { type OutboxPayload, parseOutboxPayload } from './outbox-payload.js';
import { outlineOf, utf8Bytes } from './render-outline.js';

export interface DeliverDeps {
  readonly store: Store;
  readonly clock: Clock;
  readonly log: Logger;
  readonly channels: ReadonlyMap<string, Channel>;
  readonly maxAttempts: number;
  readonly maxAgeMs: number;
}

export interface DeliveryCounts {
  sent: number;
  retried: number;
  dead: number;
  digested: number;
}

/** Messages taken per flush. More stay due for the next flush. */
const TAKE_LIMIT = 500;
/**
 * How long taken messages stay hidden from other instances. Messages that found no rate slot are
 * simply left leased, so they are due again after this (no attempt is counted against them).
 */
const OUTBOX_LEASE_MS = 60_000;
/** Sending for one channel stops after this (wall time), well inside the lease. */
const SEND_DEADLINE_MS = OUTBOX_LEASE_MS / 2;
/** Longest wait between retries of one message (vendor waits such as DingTalk's 90030 may exceed it). */
const MAX_BACKOFF_MS = 60 * 60_000;
/** Content re-rendered smaller at most this many times (each halves the budget) before giving up. */
const MAX_SHRINK = 3;

interface Pending {
  readonly message: OutboxMessage;
  readonly payload: OutboxPayload;
}

/**
 * Delivers due outbox messages under each channel's pace, shared by all instances through
 * Store.acquireRate. Per channel, single messages use all slots but the last of each window; when
 * more messages wait than slots allow, the last slot carries ONE digest folding the pending messages
 * (as many as fit the channel's size; the rest follow in the next digest), so nothing is dropped.
 */
export async function deliverOutbox(deps: DeliverDeps): Promise<DeliveryCounts> {
  const counts: DeliveryCounts = { sent: 0, retried: 0, dead: 0, digested: 0 };
  const now = deps.clock.now();
  const taken = await deps.store.takeDueOutbox(now, TAKE_LIMIT, OUTBOX_LEASE_MS);
  const byChannel = new Map<string, Pending[]>();
  for (const message of taken) {
    const payload = parseOutboxPayload(message.payload);
    const channel = deps.channels.get(message.channel);
    if (payload === undefined || channel === undefined) {
      const reason =
        payload === undefined ? 'unreadable payload' : `channel ${message.channel} is not configured`;
      await markDead(deps, message, reason, counts);
      continue;
    }
    if (now - message.createdAt > deps.maxAgeMs) {
      await markDead(deps, message, `undelivered after ${Math.round(deps.maxAgeMs / 1000)} s`, counts);
      continue;
    }
    const list = byChannel.get(message.channel) ?? [];
    list.push({ message, payload });
    byChannel.set(message.channel, list);
  }
  await Promise.all(
    [...byChannel].map(async ([name, pending]) => {
      const channel = deps.channels.get(name);
      if (channel) await deliverChannel(deps, channel, pending, counts);
    }),
  );
  return counts;
}

async function deliverChannel(
  deps: DeliverDeps,
  channel: Channel,
  pending: Pending[],
  counts: DeliveryCounts,
): Promise<void> {
  let queue = pending;
  // One lane per robot of a rotating receiver, else the channel's one endpoint; each paced on its own.
  const lanes = channel.lanes?.map((lane) => lane.rateKey) ?? [channel.rateKey];
  const open = lanes.map((_, index) => index);
  let turn = 0;
  // Real elapsed time, not the injected clock: this bounds wall time against the lease.
  const started = performance.now();
  while (queue.length > 0 && open.length > 0) {
    if (performance.now() - started > SEND_DEADLINE_MS) {
      // Slow endpoint: stop before the lease runs out, so no other instance re-sends what is in flight.
      deps.log.warn('notification delivery stopped at its deadline', {
        channel: channel.name,
        left: queue.length,
      });
      break;
    }
    const [first, ...rest] = queue;
    if (first === undefined) break;
    let outcome: SendOutcome['outcome'];
    // The last message may take the last slot; others leave it for a digest.
    const single = await acquireLane(deps, channel, lanes, open, turn, rest.length > 0);
    const lane =
      single ?? (rest.length > 0 ? await acquireLane(deps, channel, lanes, open, turn, false) : undefined);
    if (lane === undefined) break;
    if (single !== undefined) {
      outcome = await sendOne(deps, channel, first, counts, lane);
      queue = rest;
    } else {
      const digest = await sendDigest(deps, channel, queue, counts, lane);
      outcome = digest.outcome;
      queue = digest.left;
    }
    turn = lane + 1;
    // This endpoint is throttled or failing (e.g. DingTalk 130101, Slack 429, 5xx, network): leave it
    // for this flush rather than spend an attempt of every other message on it; with no other robot
    // to rotate to, the rest stay queued.
    if (outcome === 'retry') open.splice(open.indexOf(lane), 1);
  }
  if (queue.length > 0) {
    deps.log.debug('notifications wait for a rate slot', { channel: channel.name, waiting: queue.length });
  }
}

/** The first open lane from `turn` on (round robin) that has a slot, or undefined. */
async function acquireLane(
  deps: DeliverDeps,
  channel: Channel,
  lanes: readonly string[],
  open: readonly number[],
  turn: number,
  reserve: boolean,
): Promise<number | undefined> {
  const order = [...open].sort(
    (a, b) => ((a - turn + lanes.length) % lanes.length) - ((b - turn + lanes.length) % lanes.length),
  );
  for (const lane of order) {
    if (await acquireSlot(deps, channel, lanes[lane] ?? channel.rateKey, reserve)) return lane;
  }
  return undefined;
}

/**
 * Takes one slot in every window of the channel. `reserve` keeps the last slot of each window free
 * for a digest, so a burst always leaves room to say what is still pending.
 */
async function acquireSlot(
  deps: DeliverDeps,
  channel: Channel,
  rateKey: string,
  reserve: boolean,
): Promise<boolean> {
  for (const [index, window] of channel.limits.entries()) {
    const limit = reserve ? window.limit - 1 : window.limit;
    if (limit < 1) return false;
    const waitMs = await deps.store.acquireRate(
      `${rateKey}:${index}`,
      limit,
      window.windowMs,
      deps.clock.now(),
    );
    if (waitMs > 0) return false;
  }
  return true;
}

const RANK: Readonly<Record<string, number>> = { critical: 0, warning: 1, info: 2 };
const bySeverity = (a: GroupSummary, b: GroupSummary): number =>
  (RANK[a.severity] ?? 3) - (RANK[b.severity] ?? 3) || a.key.localeCompare(b.key);

/** Rough size of a group in rendered text: used to decide how many messages one digest can carry. */
function contentBytes(content: MessageContent): number {
  let bytes = 0;
  for (const group of content.groups) {
    bytes += 160;
    for (const alert of [...group.firing, ...group.resolved]) {
      bytes += 90 + utf8Bytes(alert.title) + Math.min(utf8Bytes(alert.text), 1_800);
    }
  }
  return bytes;
}

async function sendDigest(
  deps: DeliverDeps,
  channel: Channel,
  queue: readonly Pending[],
  counts: DeliveryCounts,
  lane: number,
): Promise<{ left: Pending[]; outcome: SendOutcome['outcome'] }> {
  const now = deps.clock.now();
  const budget = channel.maxBytes * 0.85;
  const folded: Pending[] = [];
  const left: Pending[] = [];
  let used = 0;
  for (const item of queue) {
    const size = contentBytes(item.payload.content);
    if (folded.length === 0 || (left.length === 0 && used + size <= budget)) {
      folded.push(item);
      used += size;
    } else {
      left.push(item);
    }
  }
  if (folded.length === 1) {
    // Only one fits: no digest needed, the rest follow.
    const [only] = folded;
    const outcome = only ? await sendOne(deps, channel, only, counts, lane) : 'sent';
    return { left, outcome };
  }
  const content: MessageContent = {
    // Most severe first, so a truncated digest still leads with what matters.
    groups: folded.flatMap((item) => item.payload.content.groups).sort(bySeverity),
    at: now,
    pendingGroups: left.reduce((sum, item) => sum + item.payload.content.groups.length, 0),
    // One receiver has one language; the folded messages all carry it.
    language: folded[0]?.payload.content.language,
    timeZone: folded[0]?.payload.content.timeZone,
  };
  const ids = folded.map((item) => item.message.id).sort();
  const id = `d-${createHash('sha256').update(ids.join('\n')).digest('hex').slice(0, 32)}`;
  const payload: OutboxPayload = { body: redactDeep(channel.render(content, channel.maxBytes)), content };
  const createdAt = Math.min(...folded.map((item) => item.message.createdAt));
  // The digest is stored before the folded messages are settled (at-least-once), hidden for the lease
  // while this instance sends it; if it crashes, the digest is sent by a later flush.
  await deps.store.enqueueOutbox({
    id,
    channel: channel.name,
    payload,
    dueAt: now + OUTBOX_LEASE_MS,
    createdAt,
  });
  for (const item of folded) await deps.store.markOutboxSent(item.message.id, now);
  counts.digested += folded.length;
  deps.log.info('notifications folded into a digest', {
    channel: channel.name,
    id,
    folded: folded.length,
    pendingGroups: content.pendingGroups,
  });
  const message: OutboxMessage = { id, channel: channel.name, payload, dueAt: now, createdAt, attempts: 0 };
  const outcome = await sendOne(deps, channel, { message, payload }, counts, lane);
  return { left, outcome };
}

async function sendOne(
  deps: DeliverDeps,
  channel: Channel,
  item: Pending,
  counts: DeliveryCounts,
  lane: number,
): Promise<SendOutcome['outcome']> {
  const { message } = item;
  let outcome: SendOutcome;
  try {
    outcome = await channel.send(item.payload.body, { messageId: message.id, lane });
  } catch (error) {
    // Adapters classify delivery problems themselves; a throw is a bug, retried with backoff.
    outcome = {
      outcome: 'retry',
      afterMs: BACKOFF_BASE_MS,
      backoff: true,
      reason: `${channel.name} adapter failed: ${describeError(error)}`,
    };
  }
  const now = deps.clock.now();
  const fields = {
    channel: channel.name,
    id: message.id,
    attempts: message.attempts + 1,
    ...(channel.lanes ? { robot: lane + 1 } : {}),
  };
  switch (outcome.outcome) {
    case 'sent':
      await deps.store.markOutboxSent(message.id, now);
      counts.sent += 1;
      deps.log.info('notification sent', fields);
      return 'sent';
    case 'permanent':
      await markDead(deps, message, outcome.reason, counts);
      return 'permanent';
    case 'too-large':
      await shrinkAndRequeue(deps, channel, item, outcome.reason, counts);
      return 'too-large';
    case 'retry': {
      // A throttled send is not a failed attempt: only the age limit ends it (a DingTalk robot may
      // block for 10 minutes; counting those waits as attempts dropped alerts, see docs/notify.md).
      const counted = outcome.throttled !== true;
      const attempts = message.attempts + (counted ? 1 : 0);
      const backoff = outcome.backoff ? BACKOFF_BASE_MS * 2 ** (attempts - 1) : 0;
      const delay = Math.max(outcome.afterMs, Math.min(backoff, MAX_BACKOFF_MS));
      const retryAt = now + delay;
      if ((counted && attempts >= deps.maxAttempts) || retryAt - message.createdAt > deps.maxAgeMs) {
        const why = counted
          ? `gave up after ${attempts} attempts`
          : `gave up: still throttled after ${Math.round((now - message.createdAt) / 1000)} s`;
        await markDead(deps, message, `${why}: ${outcome.reason}`, counts);
        return 'permanent';
      }
      const reason = redact(outcome.reason);
      await deps.store.markOutboxFailed(message.id, retryAt, reason, counted);
      counts.retried += 1;
      deps.log.warn('notification will be retried', { ...fields, retryInMs: delay, reason });
      return 'retry';
    }
  }
}

async function shrinkAndRequeue(
  deps: DeliverDeps,
  channel: Channel,
  item: Pending,
  reason: string,
  counts: DeliveryCounts,
): Promise<void> {
  const shrink = (item.payload.content.shrink ?? 0) + 1;
  if (shrink > MAX_SHRINK) {
    await markDead(
      deps,
      item.message,
      `${reason}; still too large after shrinking ${MAX_SHRINK} times`,
      counts,
    );
    return;
  }
  const content: MessageContent = { ...item.payload.content, shrink };
  const budget = Math.floor(channel.maxBytes / 2 ** shrink);
  const id = `${item.message.id.replace(/~\d+$/, '')}~${shrink}`;
  const now = deps.clock.now();
  await deps.store.enqueueOutbox({
    id,
    channel: channel.name,
    payload: { body: redactDeep(channel.render(content, budget)), content },
    dueAt: now,
    createdAt: item.message.createdAt,
  });
  await deps.store.markOutboxDead(item.message.id, redact(`${reason}; re-rendered smaller as ${id}`));
  deps.log.warn('notification too large: re-rendered smaller', {
    channel: channel.name,
    id: item.message.id,
    replacement: id,
  });
}

async function markDead(
  deps: DeliverDeps,
  message: OutboxMessage,
  reason: string,
  counts: DeliveryCounts,
): Promise<void> {
  const safe = redact(reason);
  await deps.store.markOutboxDead(message.id, safe);
  counts.dead += 1;
  const content = parseOutboxPayload(message.payload)?.content;
  deps.log.error('notification dead: it will not be sent', {
    channel: message.channel,
    id: message.id,
    attempts: message.attempts,
    reason: safe,
    // What was lost, so an operator can act on it (already redacted when stored).
    ...(content === undefined ? {} : { title: outlineOf(content).title }),
  });
}
