import type { ApiCallStats } from '../aliyun/api.js';
import type { ResourceKind, TaskState } from '../events/resources.js';
import type { EventTrigger, TaskEvent } from '../events/task-event.js';
import type { EnrolmentResult } from './enrol-relay-task.js';

export interface ScopeReport {
  /** `relay:cn-shanghai`, … */
  readonly scope: string;
  readonly fromPage: number;
  readonly pages: number;
  readonly items: number;
  /** Every page up to the last was listed in this sweep. */
  readonly listed: boolean;
  /** The pass over the scope ended here and disappearances were concluded. */
  readonly concluded: boolean;
  /** The budget ran out: the next sweep continues at this page. */
  readonly stoppedAtPage?: number;
  readonly disappeared: number;
  /** Missing resources waiting to be confirmed (budget spent). */
  readonly deferredConfirmations: number;
  readonly error?: string;
}

export interface SweepError {
  readonly scope?: string;
  readonly id?: string;
  /** `list`, `confirm`, `write`, `invoke`, `enrol`. */
  readonly operation: string;
  /** Secret-free. */
  readonly message: string;
}

export interface SweepPosition {
  readonly scope: string;
  readonly page: number;
}

export interface SweepReport {
  readonly startedAt: number;
  readonly finishedAt: number;
  readonly durationMs: number;
  /** A dry run: nothing was written, invoked or enrolled; `events` are what would have been emitted. */
  readonly dryRun: boolean;
  /** Set when the sweep did not run (another sweep holds the lease). */
  readonly skipped?: string;
  /** Every scope was listed end to end in this one sweep (in any rotation), without errors. */
  readonly complete: boolean;
  /** The sweep continued an unfinished one from this position. */
  readonly continuedFrom?: SweepPosition;
  /** The budget ran out: the next sweep continues here. */
  readonly leftAt?: SweepPosition;
  readonly scopes: readonly ScopeReport[];
  /** Resources listed in this sweep, by kind and state. */
  readonly tasks: Readonly<Record<ResourceKind, Readonly<Partial<Record<TaskState, number>>>>>;
  /** State changes found (transitions and disappearances). */
  readonly changes: number;
  /** Events handed to the alert function. */
  readonly events: readonly TaskEvent[];
  readonly eventsByTrigger: Readonly<Record<EventTrigger, number>>;
  readonly batches: number;
  readonly snapshotWrites: number;
  readonly conflicts: number;
  readonly enrolments: readonly EnrolmentResult[];
  /** Tasks due for enrolment left for a later sweep (per-sweep cap or budget). */
  readonly enrolmentsDeferred: number;
  /** API calls made by this sweep (difference of client.stats()). */
  readonly apiCalls: ApiCallStats;
  readonly errors: readonly SweepError[];
}

export interface SweepProgress {
  readonly scope: string;
  readonly page: number;
  /** Pages in the scope, from the listing's total. */
  readonly pages: number;
  readonly items: number;
  readonly events: number;
  readonly elapsedMs: number;
}
