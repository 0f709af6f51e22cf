import type { Clock } from '../clock.js';
import type { Logger } from '../log.js';
import { redactDeep } from '../redact.js';
import type { NotificationGroup, Store, Versioned } from '../store/store.js';
import type { Channel, MessageContent } from './channel.js';
import type { Route } from './create-routing.js';
import type { OutboxPayload } from './outbox-payload.js';
import { planGroupFlush } from './plan-group.js';

/** Compare-and-set attempts per group before the flush leaves it for the next tick. */
const CAS_ATTEMPTS = 20;

export interface FlushGroupsDeps {
  readonly store: Store;
  readonly clock: Clock;
  readonly log: Logger;
  readonly channels: ReadonlyMap<string, Channel>;
  /** The route a group belongs to (its timings, language, time zone and mention severities). */
  readonly routeOf: (group: NotificationGroup) => Route;
}

/** Breakers that are open or probing: the alerts they explain are folded into theirs. */
async function openBreakerKeys(store: Store): Promise<Set<string>> {
  const open = new Set<string>();
  for (const { key, value } of await store.breakers.list()) if (value.state !== 'closed') open.add(key);
  return open;
}

/**
 * Turns every due group into at most one outbox message (planGroupFlush decides), rendered for its
 * receiver in its route's language and time zone. Returns how many groups produced a message.
 */
export async function flushGroups(deps: FlushGroupsDeps): Promise<number> {
  const { store, clock, log } = deps;
  let flushed = 0;
  const now = clock.now();
  const listed = await store.groups.list();
  const openBreakers = listed.length > 0 ? await openBreakerKeys(store) : new Set<string>();
  for (const first of listed) {
    let doc: Versioned<NotificationGroup> | undefined = first;
    for (
      let attempt = 0;
      doc !== undefined && doc.value.nextFlushAt <= now && attempt < CAS_ATTEMPTS;
      attempt += 1
    ) {
      const group = doc.value;
      const route = deps.routeOf(group);
      const plan = planGroupFlush(group, doc.version, route.timings, now, openBreakers);
      if (plan.summary !== undefined && plan.messageId !== undefined) {
        const channel = deps.channels.get(group.channel);
        if (channel === undefined) {
          log.warn('notification group for a receiver no longer configured: dropped', {
            channel: group.channel,
          });
        } else {
          const content: MessageContent = {
            groups: [plan.summary],
            at: now,
            language: route.language,
            timeZone: route.timeZone,
            ...(route.mentionOn ? { mentionOn: route.mentionOn } : {}),
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
          ? await store.groups.delete(first.key, doc.version)
          : (await store.groups.put(first.key, plan.next, doc.version)).ok;
      if (ok) {
        if (plan.summary !== undefined) flushed += 1;
        break;
      }
      // Someone changed the group meanwhile (a new notice, another flusher): plan again on the new state.
      doc = await store.groups.get(first.key);
    }
  }
  return flushed;
}
