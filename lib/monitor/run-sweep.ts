import { randomUUID } from 'node:crypto';
import pLimit from 'p-limit';
import type { AliyunClient, ApiCallStats, Page } from '../aliyun/api.js';
import { buildCallbackUrl } from '../callback/callback-url.js';
import type { Clock } from '../clock.js';
import type { Config } from '../config/config.js';
import { AliyunApiError, describeError, ValidationError } from '../errors.js';
import { type Resource, type ResourceKind, refOf, resourceKey, type TaskState } from '../events/resources.js';
import type { EventTrigger, TaskEvent } from '../events/task-event.js';
import type { Invoker } from '../fc/invoker.js';
import type { Logger } from '../log.js';
import type { Store, StoredSnapshot, SweepCursor, VersionedCollection } from '../store/store.js';
import type { StuckPolicy } from './detect-stuck.js';
import { diffSnapshot } from './diff-snapshot.js';
import { emitEvents } from './emit-events.js';
import {
  type EnrolmentResult,
  type EnrolPolicy,
  enrolActionFor,
  enrolRelayTask,
} from './enrol-relay-task.js';
import { findDisappeared } from './find-disappeared.js';
import {
  type ReconcileOutcome,
  reconcileSnapshot,
  revertSnapshot,
  type SnapshotWrite,
} from './reconcile-snapshot.js';
import type { ScopeReport, SweepError, SweepPosition, SweepProgress, SweepReport } from './sweep-report.js';
import { orderScopes, planScopes, type SweepScope } from './sweep-scopes.js';

export interface SweepDeps {
  readonly config: Config;
  readonly store: Store;
  readonly client: AliyunClient;
  readonly invoker: Invoker;
  readonly clock: Clock;
  readonly log: Logger;
}

export interface SweepOptions {
  /** Time the sweep may take before it stops and leaves a cursor (default LIVEWATCH_SWEEP_BUDGET_MS). */
  readonly budgetMs?: number;
  /** Stop after this many pages (a deterministic budget, for tests and small ticks). */
  readonly budgetPages?: number;
  readonly onProgress?: (progress: SweepProgress) => void;
  /**
   * List and diff only: write nothing (snapshots, cursor, heartbeat, forwards, history), invoke
   * nothing, enrol nothing. The report's events are what a real sweep would emit (the CLI's default).
   */
  readonly dryRun?: boolean;
}

/** The lease that keeps two overlapping timer runs from sweeping (and reporting) twice. */
export const SWEEP_LEASE = 'poller:sweep';
/** The lease outlives the budget by this much: listing, confirming and emitting finish after it. */
const LEASE_MARGIN_MS = 60_000;
/** Largest page the APIs allow: fewest calls per sweep. */
const PAGE_SIZE = 100;
/** Enrolment updates in flight at once (the limiter paces them; this bounds memory and sockets). */
const ENROL_CONCURRENCY = 4;

const KINDS: readonly ResourceKind[] = ['relay', 'record', 'transcode'];
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
  const { config, store, clock } = deps;
  const startedAt = clock.now();
  const budgetMs = options.budgetMs ?? config.LIVEWATCH_SWEEP_BUDGET_MS;
  if (options.dryRun === true) return sweep(deps, options, startedAt, budgetMs);
  const holder = randomUUID();
  if (!(await store.acquireLease(SWEEP_LEASE, holder, budgetMs + LEASE_MARGIN_MS, startedAt))) {
    deps.log.warn('sweep skipped: another sweep is running');
    return emptyReport(startedAt, clock.now(), 'another sweep holds the lease', deps.client.stats());
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
  const policy: StuckPolicy = {
    recoveringGraceS: config.LIVEWATCH_RECOVERING_GRACE_S,
    idleStartSlackS: config.LIVEWATCH_IDLE_START_SLACK_S,
    recordPausedGraceS: config.LIVEWATCH_RECORD_PAUSED_GRACE_S,
  };
  const dryRun = options.dryRun === true;
  const snapshots = dryRun ? readOnlySnapshots(store.snapshots) : store.snapshots;
  const enrolPolicy = enrolPolicyOf(config, dryRun);

  let pagesUsed = 0;
  // Listing stops on either budget; confirmations and enrolments only on time (a page budget is a
  // tick's share of listing, not of the work that follows from it).
  const withinTime = (): boolean => clock.now() - startedAt < budgetMs;
  const withinBudget = (): boolean =>
    withinTime() && (options.budgetPages === undefined || pagesUsed < options.budgetPages);

  const tasks = Object.fromEntries(KINDS.map((kind) => [kind, {}])) as Record<
    ResourceKind,
    Partial<Record<TaskState, number>>
  >;
  const delivered: TaskEvent[] = [];
  const errors: SweepError[] = [];
  const scopes: ScopeReport[] = [];
  let batches = 0;
  let snapshotWrites = 0;
  let conflicts = 0;

  // ---- enrolment runs beside the listing (its Update calls have their own rate limit) ----
  const enrolments: EnrolmentResult[] = [];
  const enrolFailures: unknown[] = [];
  const enrolLimit = pLimit(ENROL_CONCURRENCY);
  const enrolPending: Array<Promise<void>> = [];
  const enrolScheduled = new Set<string>();
  let enrolmentsDeferred = 0;
  const scheduleEnrolment = (task: Resource): void => {
    if (task.kind !== 'relay') return;
    const action = enrolActionFor(task, enrolPolicy);
    if (action === 'none' || enrolScheduled.has(task.taskId)) return;
    if (enrolScheduled.size >= config.LIVEWATCH_ENROL_MAX_PER_SWEEP) {
      enrolmentsDeferred += 1;
      return;
    }
    enrolScheduled.add(task.taskId);
    const job = enrolLimit(async () => {
      if (!withinTime()) {
        enrolmentsDeferred += 1;
        return;
      }
      const result = await enrolRelayTask(
        { client, store, now: () => clock.now() },
        task,
        action,
        enrolPolicy,
      );
      enrolments.push(result);
      if (!result.ok) {
        errors.push({
          scope: `relay:${task.region}`,
          id: task.taskId,
          operation: 'enrol',
          message: result.error ?? '',
        });
      }
    });
    // Store outages inside an enrolment are fatal, but only once the sweep awaits them.
    enrolPending.push(job.catch((error: unknown) => void enrolFailures.push(error)));
  };

  // ---- apply reconciled snapshots: emit their events, undo writes whose events were not delivered ----
  const settle = async (outcomes: readonly ReconcileOutcome[], scope: string): Promise<void> => {
    const writes = new Map<string, SnapshotWrite>();
    const events: TaskEvent[] = [];
    for (const outcome of outcomes) {
      conflicts += outcome.conflicts;
      if (outcome.gaveUp) {
        errors.push({
          scope,
          operation: 'write',
          message: 'snapshot kept changing (compare-and-set conflicts); retried next sweep',
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
      const undone = new Set<string>();
      for (const event of failure.batch.events) {
        const key = resourceKey(event.resource);
        const write = writes.get(key);
        if (write === undefined || undone.has(key)) continue;
        undone.add(key);
        await revertSnapshot(snapshots, write);
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
    const continuing = index === 0 && start !== undefined && start.page > 1 && cursor !== undefined;
    const fromPage = index === 0 && start !== undefined ? start.page : 1;
    if (!withinBudget()) {
      leftAt = { scope: scope.id, page: fromPage };
      nextCursor =
        continuing && cursor !== undefined
          ? cursor
          : { scope: scope.id, page: fromPage, startedAt: clock.now() };
      break;
    }
    const seen = new Set<string>(continuing ? (cursor?.seen ?? []) : []);
    // An older cursor without `seen` cannot vouch for the pages before it: no disappearances this pass.
    const seenComplete = !continuing || cursor?.seen !== undefined;
    const passStartedAt = continuing && cursor !== undefined ? cursor.startedAt : clock.now();

    let pages = 0;
    let items = 0;
    let listed = false;
    let stoppedAtPage: number | undefined;
    let listError: string | undefined;
    try {
      for await (const page of pagesOf(client, scope, fromPage)) {
        const observedAt = clock.now();
        const outcomes = await Promise.all(
          page.items.map((item) => {
            const key = resourceKey(refOf(item));
            return reconcileSnapshot(snapshots, key, (previous) =>
              diffSnapshot(previous, item, observedAt, policy),
            );
          }),
        );
        for (const item of page.items) {
          seen.add(refOf(item).id);
          const counts = tasks[item.kind];
          counts[item.state] = (counts[item.state] ?? 0) + 1;
          scheduleEnrolment(item);
        }
        await settle(outcomes, scope.id);
        pages += 1;
        pagesUsed += 1;
        items += page.items.length;
        const lastPage = Math.max(1, Math.ceil(page.total / Math.max(1, page.pageSize)));
        options.onProgress?.({
          scope: scope.id,
          page: page.pageNumber,
          pages: lastPage,
          items,
          events: delivered.length,
          elapsedMs: clock.now() - startedAt,
        });
        const isLast = page.pageNumber >= lastPage || page.items.length < page.pageSize;
        if (!isLast && !withinBudget()) {
          stoppedAtPage = page.pageNumber + 1;
          break;
        }
      }
      listed = stoppedAtPage === undefined;
    } catch (error) {
      // The client gave up on a page (retries exhausted) or refused a request: this scope's pass is
      // void — no disappearance is concluded from it — and the sweep goes on with the other scopes.
      if (!(error instanceof AliyunApiError || error instanceof ValidationError)) throw error;
      listError = describeError(error);
      errors.push({ scope: scope.id, operation: 'list', message: listError });
      log.warn('listing failed; no disappearance concluded for this scope', { scope: scope.id, error });
    }

    let concluded = false;
    let disappeared = 0;
    let deferredConfirmations = 0;
    if (listed && seenComplete) {
      const found = await findDisappeared(
        {
          snapshots,
          client,
          now: () => clock.now(),
          policy,
          withinBudget: withinTime,
        },
        scope,
        seen,
      );
      concluded = true;
      deferredConfirmations = found.deferred;
      disappeared = found.outcomes.reduce(
        (sum, outcome) => sum + outcome.events.filter((event) => event.trigger === 'disappeared').length,
        0,
      );
      for (const error of found.errors)
        errors.push({ scope: scope.id, id: error.id, operation: 'confirm', message: error.message });
      for (const outcome of found.outcomes) {
        for (const event of outcome.events) {
          const counts = tasks[event.resource.kind];
          if (event.trigger === 'disappeared') counts[event.state] = (counts[event.state] ?? 0) + 1;
        }
      }
      await settle(found.outcomes, scope.id);
    }

    scopes.push({
      scope: scope.id,
      fromPage,
      pages,
      items,
      listed,
      concluded,
      ...(stoppedAtPage === undefined ? {} : { stoppedAtPage }),
      disappeared,
      deferredConfirmations,
      ...(listError === undefined ? {} : { error: listError }),
    });

    if (stoppedAtPage !== undefined) {
      leftAt = { scope: scope.id, page: stoppedAtPage };
      nextCursor = {
        scope: scope.id,
        page: stoppedAtPage,
        startedAt: passStartedAt,
        ...(seenComplete ? { seen: [...seen] } : {}),
      };
      break;
    }
  }

  await Promise.all(enrolPending);
  if (enrolFailures.length > 0) throw enrolFailures[0];

  if (!dryRun) await store.putSweepCursor(nextCursor);

  const finishedAt = clock.now();
  const apiCalls = statsDelta(statsBefore, client.stats());
  const eventsByTrigger = Object.fromEntries(TRIGGERS.map((trigger) => [trigger, 0])) as Record<
    EventTrigger,
    number
  >;
  for (const event of delivered) eventsByTrigger[event.trigger] += 1;
  const anyListed = scopes.some((scope) => scope.error === undefined && scope.pages > 0);
  const report: SweepReport = {
    startedAt,
    finishedAt,
    durationMs: finishedAt - startedAt,
    dryRun,
    complete:
      continuedFrom === undefined &&
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
    enrolments,
    enrolmentsDeferred,
    apiCalls,
    errors,
  };
  if (!dryRun) await writeHeartbeat(store, report, anyListed || order.length === 0);
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

function pagesOf(client: AliyunClient, scope: SweepScope, fromPage: number): AsyncIterable<Page<Resource>> {
  const params = { region: scope.region, fromPage, pageSize: PAGE_SIZE };
  switch (scope.kind) {
    case 'relay':
      return client.listRelayTaskPages(params);
    case 'record':
      return client.listRecordJobPages(params);
    case 'transcode':
      return client.listTranscodeJobPages(params);
  }
}

function enrolPolicyOf(config: Config, dryRun: boolean): EnrolPolicy {
  const baseUrl = config.LIVEWATCH_CALLBACK_BASE_URL;
  const enabled = !dryRun && baseUrl !== undefined && config.LIVEWATCH_CALLBACK_TOKENS.length > 0;
  return {
    mode: enabled ? config.LIVEWATCH_ENROL : 'off',
    baseUrl,
    tokens: config.LIVEWATCH_CALLBACK_TOKENS,
    // Defined whenever enrolment is enabled (base URL and a token are set), checked just above.
    callbackUrlFor: (region) => buildCallbackUrl(config, region) ?? '',
  };
}

/**
 * The heartbeat says when livewatch last saw the accounts. A sweep in which no listing succeeded
 * (API down, wrong credentials) keeps the previous lastSuccessAt, so the alert tick's "monitor
 * unhealthy" check fires, and records why in lastError.
 */
async function writeHeartbeat(store: Store, report: SweepReport, succeeded: boolean): Promise<void> {
  const previous = succeeded ? undefined : await store.getHeartbeat();
  const counts: Record<string, number> = {};
  for (const kind of KINDS) {
    for (const [state, count] of Object.entries(report.tasks[kind])) counts[`${kind}.${state}`] = count ?? 0;
  }
  counts.events = report.events.length;
  counts.changes = report.changes;
  counts.enrolled = report.enrolments.filter((enrolment) => enrolment.ok).length;
  counts.errors = report.errors.length;
  const lastError = report.errors[0];
  await store.putHeartbeat({
    lastSuccessAt: succeeded ? report.finishedAt : (previous?.lastSuccessAt ?? 0),
    durationMs: report.durationMs,
    complete: report.complete,
    counts,
    apiCalls: report.apiCalls.requests,
    ...(lastError === undefined
      ? {}
      : { lastError: `${lastError.operation} ${lastError.scope ?? ''}: ${lastError.message}`.trim() }),
  });
}

/**
 * The snapshots as a dry run sees them: reads go to the store, writes are accepted and dropped, so
 * the diff and the disappearance logic run unchanged without changing anything.
 */
function readOnlySnapshots(
  snapshots: VersionedCollection<StoredSnapshot>,
): VersionedCollection<StoredSnapshot> {
  return {
    get: (key) => snapshots.get(key),
    list: (prefix) => snapshots.list(prefix),
    put: async (_key, _value, expectedVersion) => ({ ok: true, version: (expectedVersion ?? 0) + 1 }),
    delete: async () => true,
  };
}

function statsDelta(before: ApiCallStats, after: ApiCallStats): ApiCallStats {
  const byAction: Record<string, number> = {};
  for (const [action, count] of Object.entries(after.byAction)) {
    const delta = count - (before.byAction[action] ?? 0);
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

function emptyReport(
  startedAt: number,
  finishedAt: number,
  skipped: string,
  stats: ApiCallStats,
): SweepReport {
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
    apiCalls: statsDelta(stats, stats),
    errors: [],
  };
}
