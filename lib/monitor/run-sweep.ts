import { randomUUID } from 'node:crypto';
import type { AliyunClient, ApiCallStats } from '../aliyun/api.js';
import { buildCallbackUrl } from '../callback/callback-url.js';
import type { Clock } from '../clock.js';
import type { Config } from '../config/config.js';
import { retryGraceSettingsOf } from '../events/platform-retry-grace.js';
import type { EventTrigger } from '../events/task-event.js';
import type { Logger } from '../log.js';
import type { Notifier } from '../notify/notice.js';
import type { Invoker } from '../ports/invoker.js';
import type { Store, SweepCursor } from '../store/store.js';
import { createEnrolmentQueue, type EnrolmentQueue } from './create-enrolment-queue.js';
import type { EnrolPolicy } from './enrol-relay-task.js';
import { enrolledNotice } from './enrolled-notice.js';
import { readOnlySnapshots } from './reconcile-snapshot.js';
import type { ScopeReport, SweepError, SweepPosition, SweepProgress, SweepReport } from './sweep-report.js';
import { type ScopeSweepContext, sweepScope } from './sweep-scope.js';
import { orderScopes, planScopes } from './sweep-scopes.js';
import { addTally, emptyTally, type SweepTally } from './sweep-tally.js';
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
  const { config, store, client, clock } = deps;
  const statsBefore = client.stats();
  const dryRun = options.dryRun === true;
  const ctx = sweepContextOf(deps, options, startedAt, budgetMs);
  const cursor = await store.getSweepCursor();
  const { order, start } = orderScopes(planScopes(config), cursor);
  const continuedFrom: SweepPosition | undefined =
    start === undefined ? undefined : { scope: start.scope.id, page: start.page };
  let tally = emptyTally();
  const scopes: ScopeReport[] = [];
  let leftAt: SweepPosition | undefined;
  let nextCursor: SweepCursor | undefined;
  for (const [index, scope] of order.entries()) {
    const fromPage = index === 0 && start !== undefined ? start.page : 1;
    // The pass over the first scope began on an earlier tick: its seen-set is named in the cursor.
    const earlier = index === 0 && fromPage > 1 ? cursor : undefined;
    if (!ctx.withinBudget()) {
      leftAt = { scope: scope.id, page: fromPage };
      nextCursor = earlier ?? { scope: scope.id, page: fromPage, startedAt: clock.now() };
      break;
    }
    const swept = await sweepScope(ctx, scope, {
      fromPage,
      earlier,
      deliveredBefore: tally.delivered.length,
    });
    scopes.push(swept.report);
    tally = addTally(tally, swept.tally);
    if (swept.next !== undefined) {
      leftAt = { scope: scope.id, page: swept.next.page };
      nextCursor = swept.next;
      break;
    }
  }
  const enrolled = await finishEnrolment(deps, ctx.enrolment);
  tally = addTally(tally, { errors: enrolled.errors });
  if (!dryRun) await store.putSweepCursor(nextCursor);
  const finishedAt = clock.now();
  const report = reportOf(tally, {
    startedAt,
    finishedAt,
    dryRun,
    // Continuing at a scope's first page still lists every scope in full, only in rotated order.
    complete:
      (continuedFrom === undefined || continuedFrom.page === 1) &&
      leftAt === undefined &&
      scopes.length === order.length &&
      scopes.every((scope) => scope.listed),
    continuedFrom,
    leftAt,
    scopes,
    enrolments: enrolled.results,
    enrolmentsDeferred: enrolled.deferred,
    apiCalls: statsDelta(statsBefore, client.stats()),
  });
  if (!dryRun) {
    const anyListed = scopes.some((scope) => scope.error === undefined && scope.pages > 0);
    await writeHeartbeat(store, report, anyListed || order.length === 0);
  }
  logFinished(deps.log, report);
  return report;
}

/** The budget, policy, enrolment queue and snapshot view every scope of this sweep shares. */
function sweepContextOf(
  deps: SweepDeps,
  options: SweepOptions,
  startedAt: number,
  budgetMs: number,
): ScopeSweepContext {
  const { config, store, client, clock } = deps;
  const dryRun = options.dryRun === true;
  let pagesRequested = 0;
  // Listing stops on either budget; confirmations and enrolments only on time (a page budget is a
  // tick's share of listing, not of the work that follows from it).
  const withinTime = (): boolean => clock.now() - startedAt < budgetMs;
  const withinBudget = (): boolean =>
    withinTime() && (options.budgetPages === undefined || pagesRequested < options.budgetPages);
  return {
    deps,
    snapshots: dryRun ? readOnlySnapshots(store.snapshots) : store.snapshots,
    policy: {
      retryGrace: retryGraceSettingsOf(config),
      idleStartSlackS: config.LIVEWATCH_IDLE_START_SLACK_S,
      recordPausedGraceS: config.LIVEWATCH_RECORD_PAUSED_GRACE_S,
      offlineRecheckS: config.LIVEWATCH_OFFLINE_RECHECK_S,
      restartNoReasonStops: config.LIVEWATCH_RESTART_UNEXPLAINED_STOPS,
    },
    dryRun,
    enrolment: createEnrolmentQueue({
      client,
      store,
      now: () => clock.now(),
      policy: enrolPolicyOf(config, dryRun),
      maxPerSweep: config.LIVEWATCH_ENROL_MAX_PER_SWEEP,
      withinTime,
    }),
    withinTime,
    withinBudget,
    mayRequestPage: () => {
      if (!withinBudget()) return false;
      pagesRequested += 1;
      return true;
    },
    onProgress: options.onProgress,
    startedAt,
  };
}

/** Runs the queued enrolments; notices for those made, errors for those that failed. */
async function finishEnrolment(
  deps: SweepDeps,
  enrolment: EnrolmentQueue,
): Promise<Awaited<ReturnType<EnrolmentQueue['finish']>> & { readonly errors: SweepError[] }> {
  const enrolled = await enrolment.finish();
  const errors: SweepError[] = [];
  for (const result of enrolled.results) {
    if (result.ok) {
      await deps.notifier?.notify(enrolledNotice(result, deps.clock.now()));
      continue;
    }
    errors.push({
      scope: `relay:${result.region}`,
      id: result.taskId,
      operation: 'enrol',
      message: result.error ?? '',
    });
  }
  return { ...enrolled, errors };
}

function reportOf(
  tally: SweepTally,
  parts: Pick<
    SweepReport,
    | 'startedAt'
    | 'finishedAt'
    | 'dryRun'
    | 'complete'
    | 'scopes'
    | 'enrolments'
    | 'enrolmentsDeferred'
    | 'apiCalls'
  > & {
    readonly continuedFrom: SweepPosition | undefined;
    readonly leftAt: SweepPosition | undefined;
  },
): SweepReport {
  const { continuedFrom, leftAt, ...rest } = parts;
  const eventsByTrigger = Object.fromEntries(TRIGGERS.map((trigger) => [trigger, 0])) as Record<
    EventTrigger,
    number
  >;
  for (const event of tally.delivered) eventsByTrigger[event.trigger] += 1;
  return {
    ...rest,
    durationMs: parts.finishedAt - parts.startedAt,
    ...(continuedFrom === undefined ? {} : { continuedFrom }),
    ...(leftAt === undefined ? {} : { leftAt }),
    tasks: tally.tasks,
    changes: tally.delivered.filter((event) => event.trigger !== 'stuck').length,
    events: tally.delivered,
    eventsByTrigger,
    batches: tally.batches,
    snapshotWrites: tally.snapshotWrites,
    conflicts: tally.conflicts,
    errors: tally.errors,
  };
}

function logFinished(log: Logger, report: SweepReport): void {
  log.info('sweep finished', {
    durationMs: report.durationMs,
    complete: report.complete,
    changes: report.changes,
    events: report.events.length,
    apiCalls: report.apiCalls.requests,
    errors: report.errors.length,
    ...(report.leftAt === undefined ? {} : { leftAt: report.leftAt }),
  });
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
