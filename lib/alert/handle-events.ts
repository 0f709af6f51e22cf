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
 * How long a run holds the claims of the events it is handling: longer than the alert function's
 * 60 s timeout (s.yaml), so a run still under way keeps them, and shorter than the inbox's re-delivery
 * age (LIVEWATCH_INBOX_REDELIVER_S ≥ 120 s), so the events of a run cut off mid-way are free again
 * when the tick re-delivers them. Extended to LIVEWATCH_DEDUPE_TTL_S once handled.
 */
const PROCESSING_CLAIM_MS = 90_000;

/**
 * Handles a batch of TaskEvents (one async invocation of the alert function, or the tick's
 * re-delivery from the event inbox): claims each event once (two phases: short while processing,
 * extended when handled), verifies relay tasks through the API, records the verified state, counts
 * mass failures, then applies the restart policy per task under its lease, and removes the handled
 * events from the inbox. Store failures propagate (FC retries the batch; claimed events of failed
 * tasks are released so the retry processes them, and they stay in the inbox for the tick).
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
  const fresh: TaskEvent[] = [];
  try {
    // Inside the try: a store failure on the third claim must give back the first two, or FC's
    // retry of this batch would take them for duplicates and lose them.
    for (const event of events) {
      if (await deps.store.claim(claimKey(event), PROCESSING_CLAIM_MS, now)) fresh.push(event);
    }
    const report = await handleClaimed(deps, policy, fresh, events.length, deadline);
    await settleHandled(
      deps,
      fresh.filter((event) => event.resource.kind === 'relay'),
      report.failures,
    );
    return report;
  } catch (error) {
    // The whole batch will be retried by FC: let the retry process these events again.
    await Promise.allSettled(fresh.map((event) => deps.store.release(claimKey(event))));
    throw error;
  }
}

function claimKey(event: TaskEvent): string {
  return `alert:${event.key}`;
}

/**
 * The handled events (all but those of failed tasks, whose claims were given back) keep their claims
 * for the dedupe TTL and leave the inbox. A duplicate stays in it: the run that holds its claim removes
 * it when done, or the tick re-delivers it once that claim lapses.
 */
async function settleHandled(
  deps: RemediationDeps,
  fresh: readonly TaskEvent[],
  failures: readonly EventFailure[],
): Promise<void> {
  const failed = new Set(failures.map((failure) => failure.key));
  const handled = fresh.filter((event) => !failed.has(resourceKey(event.resource)));
  const ttlMs = deps.config.LIVEWATCH_DEDUPE_TTL_S * 1000;
  const now = deps.clock.now();
  await Promise.all(handled.map((event) => deps.store.extendClaim(claimKey(event), ttlMs, now)));
  await deps.store.removeFromInbox(handled.map((event) => event.key));
}

async function handleClaimed(
  deps: RemediationDeps,
  policy: RemediationPolicy,
  fresh: readonly TaskEvent[],
  received: number,
  deadline: number | undefined,
): Promise<HandleReport> {
  const jobs: TaskEvent[] = [];
  const relays = new Map<string, TaskEvent[]>();
  for (const event of fresh) {
    if (event.resource.kind !== 'relay') {
      jobs.push(event);
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
  // Job events are done once noticed: marked now, so a run cut off in the slow relay part below
  // does not notice them twice when the tick re-delivers the batch.
  await settleHandled(deps, jobs, []);

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
  return { received, duplicates: received - fresh.length, jobEvents: jobs.length, outcomes, failures };
}
