import type { AliyunClient } from '../aliyun/api.js';
import { AliyunApiError, describeError, ValidationError } from '../errors.js';
import { claimsFuture } from '../events/observation-time.js';
import { parseResourceKey, type Resource } from '../events/resources.js';
import type { ForwardTarget, StoredSnapshot, Versioned, VersionedCollection } from '../store/store.js';
import type { StuckPolicy } from './detect-stuck.js';
import { type DiffResult, diffSnapshot, disappearanceOf, goneResourceOf } from './diff-snapshot.js';
import { type ReconcileOutcome, reconcileSnapshot } from './reconcile-snapshot.js';
import type { SweepScope } from './sweep-scopes.js';

/** Exited and gone snapshots are kept this long (for status and history context), then pruned. */
const FINAL_SNAPSHOT_RETENTION_MS = 7 * 24 * 3600 * 1000;

export interface DisappearanceDeps {
  readonly snapshots: VersionedCollection<StoredSnapshot>;
  /** A taken-over task's original callback URL goes with its final snapshot. */
  readonly forwards: VersionedCollection<ForwardTarget>;
  readonly client: AliyunClient;
  readonly now: () => number;
  readonly policy: StuckPolicy;
  /** False once the sweep's budget is spent: remaining candidates wait for the next pass. */
  readonly withinBudget: () => boolean;
}

export interface DisappearanceOutcome {
  /** Reconciled snapshots: disappearances confirmed, and tasks found alive after all. */
  readonly outcomes: readonly ReconcileOutcome[];
  readonly candidates: number;
  /** Candidates not confirmed for lack of budget (checked again at the end of the next pass). */
  readonly deferred: number;
  readonly pruned: number;
  readonly errors: ReadonlyArray<{ readonly id: string; readonly message: string }>;
}

/**
 * Concludes a COMPLETED pass over a scope: every stored resource of the scope that is not final yet
 * and was not seen during the pass (`unseen`, streamed) is a candidate, and each is confirmed before anything is said:
 * a relay task with DescribeLivePullToPush (CodeTaskNotExist, or TaskStatus −1, means exited), a
 * record or transcode job with GetLiveRecordJob / GetLiveTranscodeJob. Listings page by offset, so a
 * task can slip between pages when others are deleted meanwhile; confirming turns that into a
 * late observation instead of a false "gone". A failed confirmation emits nothing.
 */
export async function findDisappeared(
  deps: DisappearanceDeps,
  scope: SweepScope,
  unseen: AsyncIterable<Versioned<StoredSnapshot> & { readonly key: string }>,
): Promise<DisappearanceOutcome> {
  const outcomes: ReconcileOutcome[] = [];
  const errors: Array<{ id: string; message: string }> = [];
  let candidates = 0;
  let deferred = 0;
  let pruned = 0;
  // Streamed page by page (the pass's seen-set filters in the store): memory stays bounded.
  for await (const doc of unseen) {
    const id = parseResourceKey(doc.key)?.id;
    if (id === undefined) continue;
    const state = doc.value.resource.state;
    if (state === 'exited' || state === 'gone') {
      if (doc.value.observedAt < deps.now() - FINAL_SNAPSHOT_RETENTION_MS) {
        if (await deps.snapshots.delete(doc.key, doc.version)) {
          await deps.forwards.delete(doc.key, null);
          pruned += 1;
        }
      }
      continue;
    }
    candidates += 1;
    if (!deps.withinBudget()) {
      deferred += 1;
      continue;
    }
    try {
      const observed = await confirm(deps.client, scope, doc.value.resource, id, deps.now());
      const now = deps.now();
      const decide = (previous: StoredSnapshot | undefined): DiffResult =>
        decideDisappearance(previous, observed, now, deps.policy);
      outcomes.push(await reconcileSnapshot(deps.snapshots, doc.key, decide, doc));
    } catch (error) {
      if (!(error instanceof AliyunApiError || error instanceof ValidationError)) throw error;
      errors.push({ id, message: describeError(error) });
    }
  }
  return { outcomes, candidates, deferred, pruned, errors };
}

/** What the API says about a resource missing from the listing. */
type Confirmation =
  | { readonly found: true; readonly resource: Resource }
  | { readonly found: false; readonly reason?: string };

async function confirm(
  client: AliyunClient,
  scope: SweepScope,
  last: Resource,
  id: string,
  now: number,
): Promise<Confirmation> {
  if (scope.kind === 'relay') {
    try {
      return { found: true, resource: await client.describeRelayTask({ region: scope.region, taskId: id }) };
    } catch (error) {
      if (error instanceof AliyunApiError && error.code === 'CodeTaskNotExist') {
        // Tasks are deleted automatically after their EndTime: say so when that is why.
        const end =
          last.kind === 'relay' && last.endTime !== undefined ? Date.parse(last.endTime) : Number.NaN;
        return Number.isFinite(end) && end <= now
          ? { found: false, reason: 'OverEndTime' }
          : { found: false };
      }
      throw error;
    }
  }
  // A listing may apply a time window (at most 30 days for records), so absence from it proves
  // nothing: only Get says a job is gone (docs/poller.md, "What a sweep reports").
  try {
    const ref = { region: scope.region, jobId: id };
    const resource =
      scope.kind === 'record' ? await client.getRecordJob(ref) : await client.getTranscodeJob(ref);
    return { found: true, resource };
  } catch (error) {
    if (isJobNotFound(error)) return { found: false };
    throw error;
  }
}

/**
 * ICE's "no such job" answer. Its code is not documented for these actions; the emulator answers
 * `InvalidParameter.ResourceNotFound` (HTTP 404), and any 4xx whose code says NotFound/NotExist counts.
 */
function isJobNotFound(error: unknown): boolean {
  if (!(error instanceof AliyunApiError) || error.retryable) return false;
  return error.httpStatus === 404 || /NotFound|NotExist/i.test(error.code);
}

function decideDisappearance(
  previous: StoredSnapshot | undefined,
  observed: Confirmation,
  now: number,
  policy: StuckPolicy,
): DiffResult {
  // Deleted meanwhile: nothing left to report.
  if (previous === undefined) return { next: undefined, events: [] };
  if (observed.found && observed.resource.state !== 'exited') {
    return diffSnapshot(previous, observed.resource, now, policy);
  }
  // Already final, or written in this second or later by someone else (see pollObservedAt).
  const settled =
    previous.resource.state === 'exited' ||
    previous.resource.state === 'gone' ||
    (previous.observedAt >= Math.floor(now / 1000) * 1000 && !claimsFuture(previous.observedAt, now));
  if (settled) return { next: undefined, events: [] };
  if (observed.found) {
    return disappearanceOf(
      previous,
      observed.resource,
      now,
      observed.resource.kind === 'relay' ? observed.resource.exitReason : undefined,
    );
  }
  return disappearanceOf(previous, goneResourceOf(previous.resource), now, observed.reason);
}
