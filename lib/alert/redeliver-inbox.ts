import { describeError } from '../errors.js';
import type { RemediationOptions } from '../remediate/remediate-verified.js';
import type { RemediationDeps } from '../remediate/remediation-deps.js';
import { type HandleReport, handleEvents } from './handle-events.js';
import { parseEventBatch } from './parse-event-batch.js';

/** At most this many events per tick; the rest wait for the next one. */
const REDELIVER_LIMIT = 200;
/** An event re-delivered this many times without being marked handled is dropped (and logged). */
const MAX_REDELIVERIES = 5;

export interface RedeliveryReport {
  /** Events taken from the inbox and handled again. */
  readonly redelivered: number;
  /** Events dropped: unreadable, or re-delivered MAX_REDELIVERIES times. */
  readonly dropped: number;
  readonly handled: HandleReport | undefined;
}

/**
 * The tick's half of the event inbox (docs/alert.md, "Event inbox"): the callback and the poller add
 * every event to the inbox before they invoke the alert function, which removes what it handled;
 * whatever is still there LIVEWATCH_INBOX_REDELIVER_S later (an invocation FC dropped after its
 * retries, a run killed mid-batch, a failed task) is handled here, in the tick's own process, and is
 * due again one re-delivery age later if it fails once more.
 */
export async function redeliverInbox(
  deps: RemediationDeps,
  options: RemediationOptions = {},
): Promise<RedeliveryReport> {
  const ageMs = deps.config.LIVEWATCH_INBOX_REDELIVER_S * 1000;
  const due = await deps.store.takeDueInbox(deps.clock.now(), REDELIVER_LIMIT, ageMs);
  if (due.length === 0) return { redelivered: 0, dropped: 0, handled: undefined };
  const events = [];
  const dropped: string[] = [];
  for (const entry of due) {
    if (entry.attempts > MAX_REDELIVERIES) {
      deps.log.error('event inbox: dropping an event re-delivered without being handled', {
        key: entry.key,
        attempts: entry.attempts - 1,
        alert: true,
      });
      dropped.push(entry.key);
      continue;
    }
    try {
      events.push(...parseEventBatch([entry.event]));
    } catch (error) {
      // Written by this build's callback or poller, so only a damaged or foreign entry ends here.
      deps.log.error('event inbox: dropping an unreadable entry', {
        key: entry.key,
        error: describeError(error),
      });
      dropped.push(entry.key);
    }
  }
  await deps.store.removeFromInbox(dropped);
  if (events.length === 0) return { redelivered: 0, dropped: dropped.length, handled: undefined };
  deps.log.warn('event inbox: re-delivering events the alert function has not marked handled', {
    events: events.length,
    keys: events.slice(0, 20).map((event) => event.key),
  });
  const handled = await handleEvents(deps, events, options);
  return { redelivered: events.length, dropped: dropped.length, handled };
}
