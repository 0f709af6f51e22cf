import { randomUUID } from 'node:crypto';
import type { AliyunClient, ApiCallStats } from '../aliyun/api.js';
import { buildCallbackUrl } from '../callback/callback-url.js';
import type { Clock } from '../clock.js';
import type { Config } from '../config/config.js';
import { type ResourceKind, refOf, resourceKey, type TaskState } from '../events/resources.js';
import type { EventTrigger, TaskEvent } from '../events/task-event.js';
import type { Logger } from '../log.js';
import type { Notifier } from '../notify/notice.js';
import type { Invoker } from '../ports/invoker.js';
import type { Store, SweepCursor } from '../store/store.js';
import { createEnrolmentQueue } from './create-enrolment-queue.js';
import type { StuckPolicy } from './detect-stuck.js';
import { diffSnapshot } from './diff-snapshot.js';
import { emitEvents } from './emit-events.js';
import type { EnrolPolicy } from './enrol-relay-task.js';
import { enrolledNotice } from './enrolled-notice.js';
import { findDisappeared } from './find-disappeared.js';
import { listScopePages } from './list-scope-pages.js';
import {
  type ReconcileOutcome,
  readOnlySnapshots,
  reconcileSnapshot,
  revertSnapshot,
  type SnapshotWrite,
} from './reconcile-snapshot.js';
import type { ScopeReport, SweepError, SweepPosition, SweepProgress, SweepReport } from './sweep-report.js';
import { orderScopes, planScopes } from './sweep-scopes.js';
import { writeHeartbeat } from './write-heartbeat.js';

export interface SweepDeps {
  readonly config: Config;
  readonly store: Store;
  readonly client: AliyunClient;
  readonly invoker: Invoker;
  readonly clock: Clock;
  readonly log: Logger;
  /** Told about every enrolment (an info notice); without it enrolments are only in the report and history. */
  readonly notifier?: Notifier;
}

export interface SweepOptions {
  /** Time the sweep may take before it stops and leaves a cursor (default LIVEWATCH_SWEEP_BUDGET_MS). */
  readonly budgetMs?: number;
  /** Stop listing after this many pages (a deterministic budget, for tests and small ticks). */
  readonly budgetPages?: number;
  readonly onProgress?: (progress: SweepProgress) => void;
  /**
   * List and diff only: write nothing (snapshots, cursor, heartbeat, forwards, history), invoke
   * nothing, enrol nothing. The report's events are what a real sweep would emit (the CLI's default).
   */
  readonly dryRun?: boolean;
}

/** The lease that keeps two overlapping timer runs from sweeping (and reporting) twice. */
const SWEEP_LEASE = 'poller:sweep';
/** The lease outlives the budget by this much: listing, confirming and emitting finish after it. */
const LEASE_MARGIN_MS = 60_000;

const TRIGGERS: readonly EventTrigger[] = ['transition', 'stuck', 'disappeared'];

/**
 * One sweep: lists every relay task (per live center) and every record and transcode job (per ICE
 * region) through the rate-limited client, diffs each against its stored snapshot, emits the
 * resulting TaskEvents to the alert function, enrols callback URLs and writes the heartbeat.
 *
 * It stops when its budget is spent and leaves a cursor (scope + page) where the next sweep
 * continues, then wraps around, so no scope starves. Disappearance is concluded only for a scope
 * whose pass completed (every page, possibly across ticks) and is confirmed through the API, so a
 * failed or partial listing never produces a false "gone". An API failure is reported (in the report
 * and the heartbeat's lastError) and the sweep goes on with the other scopes.
 *
 * @example
 * const report = await runSweep({ config, store, client, invoker, clock, log });
 * console.log(report.changes, report.apiCalls.requests, report.complete);
 */
export async function runSweep(deps: SweepDeps, options: SweepOptions = {}): Promise<SweepReport> {
  const { store, clock } = deps;
  const startedAt = clock.now();
  const budgetMs = options.budgetMs ?? deps.config.LIVEWATCH_SWEEP_BUDGET_MS;
  if (options.dryRun === true) return sweep(deps, options, startedAt, budgetMs);
  const holder = randomUUID();
  if (!(await store.acquireLease(SWEEP_LEASE, holder, budgetMs + LEASE_MARGIN_MS, startedAt))) {
    deps.log.warn('sweep skipped: another sweep is running');
    return skippedReport(startedAt, clock.now(), 'another sweep holds the lease');
  }
  try {
    return await sweep(deps, options, startedAt, budgetMs);
  } finally {
    await store.releaseLease(SWEEP_LEASE, holder);
  }
}

async function sweep(
  deps: SweepDeps,
  options: SweepOptions,
  startedAt: number,
  budgetMs: number,
): Promise<SweepReport> {
  const { config, store, client, clock, log } = deps;
  const statsBefore = client.stats();
  const dryRun = options.dryRun === true;
  const snapshots = dryRun ? readOnlySnapshots(store.snapshots) : store.snapshots;
  const policy: StuckPolicy = {
    recoveringGraceS: config.LIVEWATCH_RECOVERING_GRACE_S,
    idleStartSlackS: config.LIVEWATCH_IDLE_START_SLACK_S,
    recordPausedGraceS: config.LIVEWATCH_RECORD_PAUSED_GRACE_S,
    offlineRecheckS: config.LIVEWATCH_OFFLINE_RECHECK_S,
    restartNoReasonStops: config.LIVEWATCH_RESTART_UNEXPLAINED_STOPS,
  };

  let pagesUsed = 0;
  // Listing stops on either budget; confirmations and enrolments only on time (a page budget is a
  // tick's share of listing, not of the work that follows from it).
  const withinTime = (): boolean => clock.now() - startedAt < budgetMs;
  const withinBudget = (): boolean =>
    withinTime() && (options.budgetPages === undefined || pagesUsed < options.budgetPages);

  const tasks: Record<ResourceKind, Partial<Record<TaskState, number>>> = {
    relay: {},
    record: {},
    transcode: {},
  };
  const count = (kind: ResourceKind, state: TaskState): void => {
    tasks[kind][state] = (tasks[kind][state] ?? 0) + 1;
  };
  const delivered: TaskEvent[] = [];
  const errors: SweepError[] = [];
  const scopes: ScopeReport[] = [];
  let batches = 0;
  let snapshotWrites = 0;
  let conflicts = 0;

  const enrolment = createEnrolmentQueue({
    client,
    store,
    now: () => clock.now(),
    policy: enrolPolicyOf(config, dryRun),
    maxPerSweep: config.LIVEWATCH_ENROL_MAX_PER_SWEEP,
    withinTime,
  });

  /** Emits the events of reconciled snapshots; undoes the writes whose events were not delivered. */
  const settle = async (outcomes: readonly ReconcileOutcome[], scope: string): Promise<void> => {
    const writes = new Map<string, SnapshotWrite>();
    const events: TaskEvent[] = [];
    for (const outcome of outcomes) {
      conflicts += outcome.conflicts;
      if (outcome.gaveUp) {
        errors.push({
          scope,
          operation: 'write',
          message: 'snapshot kept changing (compare-and-set); next sweep',
        });
      }
      if (outcome.write) {
        snapshotWrites += 1;
        writes.set(outcome.write.key, outcome.write);
      }
      events.push(...outcome.events);
    }
    if (events.length === 0) return;
    if (dryRun) {
      delivered.push(...events);
      return;
    }
    const emitted = await emitEvents(deps.invoker, config.LIVEWATCH_ALERT_FUNCTION, events);
    batches += emitted.batches;
    delivered.push(...emitted.delivered);
    for (const failure of emitted.failed) {
      errors.push({ scope, operation: 'invoke', message: failure.error });
      for (const key of new Set(failure.batch.events.map((event) => resourceKey(event.resource)))) {
        const write = writes.get(key);
        if (write !== undefined) await revertSnapshot(snapshots, write);
      }
    }
  };

  const cursor = await store.getSweepCursor();
  const { order, start } = orderScopes(planScopes(config), cursor);
  const continuedFrom: SweepPosition | undefined =
    start === undefined ? undefined : { scope: start.scope.id, page: start.page };
  let leftAt: SweepPosition | undefined;
  let nextCursor: SweepCursor | undefined;

  for (const [index, scope] of order.entries()) {
    const fromPage = index === 0 && start !== undefined ? start.page : 1;
    // The pass over the first scope began on an earlier tick: its earlier pages' ids are in the cursor.
    const earlier = index === 0 && fromPage > 1 ? cursor : undefined;
    if (!withinBudget()) {
      leftAt = { scope: scope.id, page: fromPage };
      nextCursor = earlier ?? { scope: scope.id, page: fromPage, startedAt: clock.now() };
      break;
    }
    const seen = new Set<string>(earlier?.seen ?? []);
    // A cursor without `seen` (written before it existed) cannot vouch for its earlier pages.
    const seenComplete = earlier === undefined || earlier.seen !== undefined;
    const passStartedAt = earlier?.startedAt ?? clock.now();

    const listing = await listScopePages(
      client,
      scope,
      fromPage,
      async (page, lastPage) => {
        const observedAt = clock.now();
        const outcomes = await Promise.all(
          page.items.map((item) =>
            reconcileSnapshot(snapshots, resourceKey(refOf(item)), (previous) =>
              diffSnapshot(previous, item, observedAt, policy),
            ),
          ),
        );
        for (const item of page.items) {
          seen.add(refOf(item).id);
          count(item.kind, item.state);
          enrolment.offer(item);
        }
        await settle(outcomes, scope.id);
        pagesUsed += 1;
        options.onProgress?.({
          scope: scope.id,
          page: page.pageNumber,
          pages: lastPage,
          items: seen.size,
          events: delivered.length,
          elapsedMs: clock.now() - startedAt,
        });
      },
      withinBudget,
    );
    if (listing.error !== undefined) {
      errors.push({ scope: scope.id, operation: 'list', message: listing.error });
      log.warn('listing failed; no disappearance concluded for this scope', {
        scope: scope.id,
        error: listing.error,
      });
    }

    let disappeared = 0;
    let deferredConfirmations = 0;
    const concluded = listing.listed && seenComplete;
    if (concluded) {
      const found = await findDisappeared(
        {
          snapshots,
          forwards: store.forwards,
          client,
          now: () => clock.now(),
          policy,
          withinBudget: withinTime,
        },
        scope,
        seen,
      );
      deferredConfirmations = found.deferred;
      for (const error of found.errors) {
        errors.push({ scope: scope.id, id: error.id, operation: 'confirm', message: error.message });
      }
      for (const event of found.outcomes.flatMap((outcome) => outcome.events)) {
        if (event.trigger !== 'disappeared') continue;
        disappeared += 1;
        count(event.resource.kind, event.state);
      }
      await settle(found.outcomes, scope.id);
    }

    scopes.push({
      scope: scope.id,
      fromPage,
      pages: listing.pages,
      items: listing.items,
      listed: listing.listed,
      concluded,
      ...(listing.stoppedAtPage === undefined ? {} : { stoppedAtPage: listing.stoppedAtPage }),
      disappeared,
      deferredConfirmations,
      ...(listing.error === undefined ? {} : { error: listing.error }),
    });

    if (listing.stoppedAtPage !== undefined) {
      leftAt = { scope: scope.id, page: listing.stoppedAtPage };
      nextCursor = {
        scope: scope.id,
        page: listing.stoppedAtPage,
        startedAt: passStartedAt,
        ...(seenComplete ? { seen: [...seen] } : {}),
      };
      break;
    }
  }

  const enrolled = await enrolment.finish();
  for (const result of enrolled.results) {
    if (result.ok) {
      await deps.notifier?.notify(enrolledNotice(result, clock.now()));
      continue;
    }
    errors.push({
      scope: `relay:${result.region}`,
      id: result.taskId,
      operation: 'enrol',
      message: result.error ?? '',
    });
  }
  if (!dryRun) await store.putSweepCursor(nextCursor);

  const finishedAt = clock.now();
  const apiCalls = statsDelta(statsBefore, client.stats());
  const eventsByTrigger = Object.fromEntries(TRIGGERS.map((trigger) => [trigger, 0])) as Record<
    EventTrigger,
    number
  >;
  for (const event of delivered) eventsByTrigger[event.trigger] += 1;
  const report: SweepReport = {
    startedAt,
    finishedAt,
    durationMs: finishedAt - startedAt,
    dryRun,
    complete:
      // Continuing at a scope's first page still lists every scope in full, only in rotated order.
      (continuedFrom === undefined || continuedFrom.page === 1) &&
      leftAt === undefined &&
      scopes.length === order.length &&
      scopes.every((scope) => scope.listed),
    ...(continuedFrom === undefined ? {} : { continuedFrom }),
    ...(leftAt === undefined ? {} : { leftAt }),
    scopes,
    tasks,
    changes: delivered.filter((event) => event.trigger !== 'stuck').length,
    events: delivered,
    eventsByTrigger,
    batches,
    snapshotWrites,
    conflicts,
    enrolments: enrolled.results,
    enrolmentsDeferred: enrolled.deferred,
    apiCalls,
    errors,
  };
  if (!dryRun) {
    const anyListed = scopes.some((scope) => scope.error === undefined && scope.pages > 0);
    await writeHeartbeat(store, report, anyListed || order.length === 0);
  }
  log.info('sweep finished', {
    durationMs: report.durationMs,
    complete: report.complete,
    changes: report.changes,
    events: delivered.length,
    apiCalls: apiCalls.requests,
    errors: errors.length,
    ...(leftAt === undefined ? {} : { leftAt }),
  });
  return report;
}

function enrolPolicyOf(config: Config, dryRun: boolean): EnrolPolicy {
  const baseUrl = config.LIVEWATCH_CALLBACK_BASE_URL;
  // LIVEWATCH_DRY_RUN promises no mutating API call at all, and enrolment is an UpdateLivePullToPush.
  const enabled =
    !dryRun &&
    !config.LIVEWATCH_DRY_RUN &&
    baseUrl !== undefined &&
    config.LIVEWATCH_CALLBACK_TOKENS.length > 0;
  return {
    mode: enabled ? config.LIVEWATCH_ENROL : 'off',
    baseUrl,
    tokens: config.LIVEWATCH_CALLBACK_TOKENS,
    // Defined whenever enrolment is enabled (base URL and a token are set), checked just above.
    callbackUrlFor: (region) => buildCallbackUrl(config, region) ?? '',
    defaultRegion: config.LIVEWATCH_LIVE_REGIONS[0],
  };
}

function statsDelta(before: ApiCallStats, after: ApiCallStats): ApiCallStats {
  const byAction: Record<string, number> = {};
  for (const [action, calls] of Object.entries(after.byAction)) {
    const delta = calls - (before.byAction[action] ?? 0);
    if (delta > 0) byAction[action] = delta;
  }
  return {
    requests: after.requests - before.requests,
    retries: after.retries - before.retries,
    throttled: after.throttled - before.throttled,
    failures: after.failures - before.failures,
    byAction,
  };
}

function skippedReport(startedAt: number, finishedAt: number, skipped: string): SweepReport {
  return {
    startedAt,
    finishedAt,
    durationMs: finishedAt - startedAt,
    dryRun: false,
    skipped,
    complete: false,
    scopes: [],
    tasks: { relay: {}, record: {}, transcode: {} },
    changes: 0,
    events: [],
    eventsByTrigger: { transition: 0, stuck: 0, disappeared: 0 },
    batches: 0,
    snapshotWrites: 0,
    conflicts: 0,
    enrolments: [],
    enrolmentsDeferred: 0,
    apiCalls: { requests: 0, retries: 0, throttled: 0, failures: 0, byAction: {} },
    errors: [],
  };
}
