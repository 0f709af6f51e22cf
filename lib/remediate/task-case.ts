import type { TaskRef } from '../aliyun/api.js';
import type { RelayTask } from '../events/resources.js';
import type { EventSource } from '../events/task-event.js';
import { updateDocument } from '../store/compare-and-set.js';
import type { RestartLedger } from '../store/store.js';
import { notStartedNotice, offlineNotice, recoveringNotice } from './relay-notices.js';
import type { RemediationDeps } from './remediation-deps.js';
import { createLedger } from './restart-ledger.js';

/** One verified task to remediate. */
export interface TaskCase {
  /** resourceKey() of the task. */
  readonly key: string;
  readonly ref: TaskRef;
  /** The verified task, or 'gone' when the API says it no longer exists. */
  readonly verified: RelayTask | 'gone';
  /** When the verification read was made (a restart by someone else after it makes it stale). */
  readonly verifiedAt: number;
  readonly stateSince: number;
  readonly lastKnown?: Pick<RelayTask, 'currentFileIndex' | 'currentOffset'> | undefined;
  /** The event that led here; absent for the tick's re-checks. */
  readonly hint?:
    | {
        /** The state the event claimed (a hint; the verified task decides). */
        readonly state?: string | undefined;
        readonly reason?: string | undefined;
        readonly observedAt: number;
        readonly source: EventSource;
      }
    | undefined;
  readonly manual?: { readonly force: boolean } | undefined;
  /** Described again after a lost Update answer (docs/alert.md, "Ledger states"). */
  readonly afterLostUpdate?: boolean | undefined;
}

export type OutcomeAction =
  | 'restarted'
  | 'would-restart'
  | 'waiting'
  | 'paused'
  | 'gave-up'
  | 'skipped'
  | 'healthy'
  | 'busy'
  | 'gone'
  | 'failed'
  /** Not reached within the invocation's time budget; the next tick continues with it. */
  | 'deferred';

export interface TaskOutcome {
  readonly key: string;
  readonly taskId: string;
  readonly region: string;
  readonly action: OutcomeAction;
  /** The decision's reason in words (also written to the task's history). */
  readonly reason: string;
  readonly newTaskId?: string;
  readonly resumed?: { readonly fileIndex: number; readonly offset: number };
  /** Epoch ms of the next scheduled re-check, if any. */
  readonly nextAttemptAt?: number;
  readonly error?: string;
}

/** Writes one entry to the task's history (the decision's time, the source that led here). */
export type Remember = (type: string, message: string, data?: Record<string, unknown>) => Promise<void>;

export function outcomeOf(
  c: TaskCase,
  action: OutcomeAction,
  reason: string,
  extra: Partial<TaskOutcome> = {},
): TaskOutcome {
  return { key: c.key, taskId: c.ref.taskId, region: c.ref.region, action, reason, ...extra };
}

/** The failing task's alert: critical when offline, warning while the platform is still retrying. */
export function failingNotice(task: RelayTask, now: number, detail: string) {
  return task.state === 'recovering'
    ? recoveringNotice(task, 'firing', now, detail)
    : offlineNotice(task, 'firing', now, detail);
}

/** Compare-and-set of the task's ledger (created when absent); resolves with what was written. */
export async function writeLedger(
  deps: RemediationDeps,
  c: Pick<TaskCase, 'key' | 'ref'>,
  change: (ledger: RestartLedger) => RestartLedger,
): Promise<RestartLedger | undefined> {
  const { after } = await updateDocument(deps.store.ledgers, c.key, (current) =>
    change(current ?? createLedger(c.ref.taskId, c.ref.region)),
  );
  return after;
}

export function withNext(ledger: RestartLedger | undefined): { nextAttemptAt?: number } {
  return ledger?.nextAttemptAt === undefined ? {} : { nextAttemptAt: ledger.nextAttemptAt };
}

/** The task stopped on purpose or went away: close its episode and resolve what was firing. */
export async function endEpisode(
  deps: RemediationDeps,
  c: Pick<TaskCase, 'key' | 'ref'>,
  ledger: RestartLedger | undefined,
  task: Pick<RelayTask, 'taskId' | 'region' | 'name'>,
  now: number,
  detail: string,
): Promise<void> {
  if (ledger === undefined) return;
  if (ledger.unhealthySince !== undefined || ledger.nextAttemptAt !== undefined) {
    await writeLedger(deps, c, (l) => {
      const { unhealthySince: _u, nextAttemptAt: _n, ...rest } = l;
      return rest;
    });
  }
  if (ledger.unhealthySince !== undefined) {
    await deps.notifier.notify(offlineNotice(task, 'resolved', now, detail));
    await deps.notifier.notify(recoveringNotice(task, 'resolved', now, detail));
    await deps.notifier.notify(notStartedNotice(task, 'resolved', now, detail));
  }
}
