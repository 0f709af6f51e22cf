import { resourceKey } from '../events/resources.js';
import type { TaskEvent } from '../events/task-event.js';
import {
  type EventFailure,
  type RemediationOptions,
  remediateVerified,
} from '../remediate/remediate-verified.js';
import type { RemediationDeps } from '../remediate/remediation-deps.js';
import { policyFromConfig, type RemediationPolicy } from '../remediate/remediation-policy.js';
import type { TaskOutcome } from '../remediate/task-case.js';
import { jobNoticesOf } from './job-notices.js';

export interface HandleReport {
  readonly received: number;
  /** Events already handled by an earlier delivery (FC may re-run an event). */
  readonly duplicates: number;
  /** Record/transcode events turned into notices. */
  readonly jobEvents: number;
  readonly outcomes: readonly TaskOutcome[];
  /** Per-task failures: collected and reported, not thrown for the whole batch. */
  readonly failures: readonly EventFailure[];
}

/**
 * Handles a batch of TaskEvents (one async invocation of the alert function): claims each event
 * once, verifies relay tasks through the API, records the verified state, counts mass failures, then
 * applies the restart policy per task under its lease. Store failures propagate (FC retries the
 * batch; claimed events of failed tasks are released so the retry processes them).
 *
 * @example const report = await handleEvents(deps, TaskEventBatchSchema.parse(JSON.parse(body)));
 */
export async function handleEvents(
  deps: RemediationDeps,
  events: readonly TaskEvent[],
  options: RemediationOptions = {},
): Promise<HandleReport> {
  const policy = policyFromConfig(deps.config);
  const now = deps.clock.now();
  const deadline = options.budgetMs === undefined ? undefined : now + options.budgetMs;
  const ttlMs = deps.config.LIVEWATCH_DEDUPE_TTL_S * 1000;
  const fresh: TaskEvent[] = [];
  try {
    // Inside the try: a store failure on the third claim must give back the first two, or FC's
    // retry of this batch would take them for duplicates and lose them.
    for (const event of events) {
      if (await deps.store.claim(claimKey(event), ttlMs, now)) fresh.push(event);
    }
    return await handleClaimed(deps, policy, fresh, events.length, deadline);
  } catch (error) {
    // The whole batch will be retried by FC: let the retry process these events again.
    await Promise.allSettled(fresh.map((event) => deps.store.release(claimKey(event))));
    throw error;
  }
}

function claimKey(event: TaskEvent): string {
  return `alert:${event.key}`;
}

async function handleClaimed(
  deps: RemediationDeps,
  policy: RemediationPolicy,
  fresh: readonly TaskEvent[],
  received: number,
  deadline: number | undefined,
): Promise<HandleReport> {
  let jobEvents = 0;
  const relays = new Map<string, TaskEvent[]>();
  for (const event of fresh) {
    if (event.resource.kind !== 'relay') {
      jobEvents += 1;
      await deps.store.appendHistory(resourceKey(event.resource), {
        at: deps.clock.now(),
        type: 'alert',
        message: `${event.resource.kind} job ${event.state}${event.reason ? ` (${event.reason})` : ''}`,
        data: { source: event.source, trigger: event.trigger },
      });
      for (const notice of jobNoticesOf(event)) await deps.notifier.notify(notice);
      continue;
    }
    const key = resourceKey(event.resource);
    relays.set(key, [...(relays.get(key) ?? []), event]);
  }

  const hints = new Map<string, TaskEvent>();
  for (const [key, group] of relays) {
    // The newest observation is the best hint; the API decides anyway.
    const newest = group.reduce((a, b) => (b.observedAt >= a.observedAt ? b : a));
    hints.set(key, newest);
  }
  const { outcomes, failures } = await remediateVerified(
    deps,
    policy,
    [...hints.entries()].map(([key, event]) => ({
      key,
      ref: { region: event.resource.region, taskId: event.resource.id },
      hint: event,
    })),
    deadline,
  );
  for (const failure of failures) {
    for (const event of relays.get(failure.key) ?? []) await deps.store.release(claimKey(event));
  }
  return { received, duplicates: received - fresh.length, jobEvents, outcomes, failures };
}
