import { randomUUID } from 'node:crypto';
import { type Resource, refOf, resourceKey } from '../events/resources.js';
import type { StoredSnapshot, SweepCursor, VersionedCollection } from '../store/store.js';
import type { EnrolmentQueue } from './create-enrolment-queue.js';
import type { StuckPolicy } from './detect-stuck.js';
import { diffSnapshot } from './diff-snapshot.js';
import { findDisappeared } from './find-disappeared.js';
import { listScopePages } from './list-scope-pages.js';
import { openPassSeen, type PassSeen } from './open-pass-seen.js';
import { reconcileSnapshot } from './reconcile-snapshot.js';
import type { SweepDeps } from './run-sweep.js';
import { settleOutcomes } from './settle-outcomes.js';
import type { ScopeReport, SweepProgress } from './sweep-report.js';
import type { SweepScope } from './sweep-scopes.js';
import { addTally, emptyTally, type SweepTally, tasksTally } from './sweep-tally.js';

/** What every scope of one sweep shares. */
export interface ScopeSweepContext {
  readonly deps: SweepDeps;
  readonly snapshots: VersionedCollection<StoredSnapshot>;
  readonly policy: StuckPolicy;
  readonly dryRun: boolean;
  readonly enrolment: EnrolmentQueue;
  /** The sweep's time budget (confirmations stop on it). */
  readonly withinTime: () => boolean;
  /** Time and page budget: is there room to start listing a scope? */
  readonly withinBudget: () => boolean;
  /** Asked before each page's call: within budget, it spends one page and answers true. */
  readonly mayRequestPage: () => boolean;
  readonly onProgress?: ((progress: SweepProgress) => void) | undefined;
  readonly startedAt: number;
}

/** Where this scope's sweep starts, and the earlier ticks of its pass (a cursor), if any. */
export interface ScopeStart {
  readonly fromPage: number;
  readonly earlier: SweepCursor | undefined;
  /** Events delivered by the sweep before this scope (for progress). */
  readonly deliveredBefore: number;
}

export interface ScopeSweep {
  readonly report: ScopeReport;
  readonly tally: SweepTally;
  /** The budget ran out inside the scope: where the next sweep continues. */
  readonly next?: SweepCursor;
}

/**
 * One scope's part of a sweep: lists its pages from `start`, reconciles every resource with its
 * snapshot and emits the events page by page, marks what it listed in the pass's seen-set, and,
 * when the pass is complete, concludes it (`findDisappeared` over the unseen snapshots, streamed).
 * Memory is bounded by a page, not by the number of resources in the scope.
 */
export async function sweepScope(
  ctx: ScopeSweepContext,
  scope: SweepScope,
  start: ScopeStart,
): Promise<ScopeSweep> {
  const pass = openScopePass(ctx, scope, start.earlier);
  let tally = emptyTally();
  let items = 0;
  const listing = await listScopePages(
    ctx.deps.client,
    scope,
    { fromPage: start.fromPage, mayFetch: ctx.mayRequestPage },
    async (page, lastPage) => {
      tally = addTally(tally, await sweepPage(ctx, scope, pass.seen, page.items));
      items += page.items.length;
      ctx.onProgress?.({
        scope: scope.id,
        page: page.pageNumber,
        pages: lastPage,
        items,
        events: start.deliveredBefore + tally.delivered.length,
        elapsedMs: ctx.deps.clock.now() - ctx.startedAt,
      });
    },
  );
  if (listing.error !== undefined) {
    tally = addTally(tally, { errors: [{ scope: scope.id, operation: 'list', message: listing.error }] });
    ctx.deps.log.warn('listing failed; no disappearance concluded for this scope', {
      scope: scope.id,
      error: listing.error,
    });
  }
  const concluded = listing.listed && pass.seenComplete;
  const conclusion = concluded ? await concludePass(ctx, scope, pass.seen) : { disappeared: 0, deferred: 0 };
  if (conclusion.tally !== undefined) tally = addTally(tally, conclusion.tally);
  // A pass that ended here, concluded or not (a failed listing voids it), starts afresh next time.
  if (listing.stoppedAtPage === undefined) await pass.seen.end();
  const report: ScopeReport = {
    scope: scope.id,
    fromPage: start.fromPage,
    pages: listing.pages,
    items: listing.items,
    listed: listing.listed,
    concluded,
    ...(listing.stoppedAtPage === undefined ? {} : { stoppedAtPage: listing.stoppedAtPage }),
    disappeared: conclusion.disappeared,
    deferredConfirmations: conclusion.deferred,
    ...(listing.error === undefined ? {} : { error: listing.error }),
  };
  if (listing.stoppedAtPage === undefined) return { report, tally };
  return { report, tally, next: nextCursorOf(scope, pass, listing.stoppedAtPage) };
}

interface ScopePass {
  readonly seen: PassSeen;
  readonly startedAt: number;
  /** False when continuing a cursor that carries no seen-set: its earlier pages are not vouched for. */
  readonly seenComplete: boolean;
}

/** The pass this scope's sweep belongs to: the cursor's (continued) or a new one. */
function openScopePass(
  ctx: ScopeSweepContext,
  scope: SweepScope,
  earlier: SweepCursor | undefined,
): ScopePass {
  const { clock } = ctx.deps;
  // A cursor without a seen-set (written by an older build) cannot vouch for its earlier pages.
  const seenComplete = earlier === undefined || earlier.pass !== undefined;
  const startedAt = earlier?.startedAt ?? clock.now();
  const id = earlier?.pass ?? `${scope.id}:${startedAt}:${randomUUID()}`;
  const seen = openPassSeen({ store: ctx.deps.store, dryRun: ctx.dryRun }, { id, startedAt }, () =>
    clock.now(),
  );
  return { seen, startedAt, seenComplete };
}

/** One listed page: each resource reconciled with its snapshot, marked seen, offered for enrolment, its events settled. */
async function sweepPage(
  ctx: ScopeSweepContext,
  scope: SweepScope,
  seen: PassSeen,
  resources: readonly Resource[],
): Promise<Partial<SweepTally>> {
  const observedAt = ctx.deps.clock.now();
  const keys = resources.map((item) => resourceKey(refOf(item)));
  const outcomes = await Promise.all(
    resources.map((item, i) =>
      reconcileSnapshot(ctx.snapshots, keys[i] ?? '', (previous) =>
        diffSnapshot(previous, item, observedAt, ctx.policy),
      ),
    ),
  );
  await seen.add(keys);
  for (const item of resources) ctx.enrolment.offer(item);
  const settled = await settleOutcomes(settleDepsOf(ctx), outcomes, scope.id);
  return { ...settled, tasks: tasksTally(resources) };
}

/** Where the next sweep continues a pass the budget cut short (with its seen-set, when it vouches for it). */
function nextCursorOf(scope: SweepScope, pass: ScopePass, page: number): SweepCursor {
  return {
    scope: scope.id,
    page,
    startedAt: pass.startedAt,
    ...(pass.seenComplete && pass.seen.pass !== undefined ? { pass: pass.seen.pass } : {}),
  };
}

/** Confirms and reports the scope's stored resources the completed pass did not list. */
async function concludePass(
  ctx: ScopeSweepContext,
  scope: SweepScope,
  seen: PassSeen,
): Promise<{
  readonly disappeared: number;
  readonly deferred: number;
  readonly tally?: Partial<SweepTally>;
}> {
  const { deps } = ctx;
  const found = await findDisappeared(
    {
      snapshots: ctx.snapshots,
      forwards: deps.store.forwards,
      client: deps.client,
      now: () => deps.clock.now(),
      policy: ctx.policy,
      withinBudget: ctx.withinTime,
    },
    scope,
    seen.unseen(`${scope.id}:`),
  );
  const gone = found.outcomes.flatMap((outcome) => outcome.events).filter((e) => e.trigger === 'disappeared');
  const settled = await settleOutcomes(settleDepsOf(ctx), found.outcomes, scope.id);
  return {
    disappeared: gone.length,
    deferred: found.deferred,
    tally: {
      ...settled,
      errors: [
        ...found.errors.map((error) => ({
          scope: scope.id,
          id: error.id,
          operation: 'confirm',
          message: error.message,
        })),
        ...settled.errors,
      ],
      tasks: tasksTally(gone.map((event) => ({ kind: event.resource.kind, state: event.state }))),
    },
  };
}

function settleDepsOf(ctx: ScopeSweepContext) {
  const { config, invoker, store, clock } = ctx.deps;
  return { config, invoker, store, clock, snapshots: ctx.snapshots, dryRun: ctx.dryRun };
}
