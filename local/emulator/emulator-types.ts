/**
 * The emulator's public shapes: its options, the handle `startEmulator` returns, its stats. Kept
 * apart from the composition so the control API and the request pipeline depend on these types,
 * not on the module that wires them together.
 */
import type { Clock } from '../../lib/clock.js';
import type { Logger } from '../../lib/log.js';
import type { CallbackLogEntry, CallbackOptions, CallbackStats } from './callback-dispatcher.js';
import type { ApiFault, CallbackFaults, FaultSelector, Latency } from './faults.js';
import type { EmulatedRecordJob, EmulatedTranscodeJob } from './ice-jobs.js';
import type { ReadingsInput, ReadingValues } from './readings.js';
import type { TaskInit } from './relay-engine.js';
import type { EmulatedTask, TaskStatus } from './relay-task.js';
import type { Mutation } from './request-ledger.js';
import type { Scenario } from './scenario.js';

export interface AccessKeyPair {
  readonly id: string;
  readonly secret: string;
  /**
   * The account the key belongs to: flow control counts per account, so keys of one account (a
   * long-lived key and the STS keys of its functions' roles) share one budget. Default: the key id.
   */
  readonly accountId?: string;
}

export interface EmulatorOptions {
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** Default 0 (a free port). */
  readonly port?: number;
  /** The emulator's clock (task times, callbacks, signature timestamps). Default: the system clock. */
  readonly clock?: Clock;
  /**
   * Demo speed factor: the platform's own durations (retry intervals, VOD playback through its files,
   * a record job's 3-minute retry) pass `speed` times faster. Time itself stays real — every time
   * the emulator reports is wall-clock time — so a store written during a demo never holds times in
   * the future (docs/emulator.md, "Speed"). Default 1.
   */
  readonly speed?: number;
  /** Seed of the PRNG for generated ids, scenarios and fault rates. Default 1. */
  readonly seed?: number;
  /** Generated relay tasks / record jobs / transcode jobs (added to the scenario's counts). */
  readonly tasks?: number;
  readonly records?: number;
  readonly transcodes?: number;
  /** Live centers to spread generated tasks over (default cn-shanghai, cn-beijing, ap-southeast-1). */
  readonly regions?: readonly string[];
  /** CallbackUrl given to about half of the generated tasks. */
  readonly callbackUrl?: string;
  readonly scenario?: Scenario;
  /** Calls per second per account per action. Default 10. */
  readonly qps?: number;
  /** Real per-call latency in ms, fixed or a uniform [min, max]. Default [50, 100]. */
  readonly latencyMs?: Latency;
  /** Default: one generated pair. */
  readonly accessKeys?: ReadonlyArray<AccessKeyPair>;
  /** Restart returns (and re-keys the task under) a new TaskId. Default false. */
  readonly restartNewTaskId?: boolean;
  readonly callback?: CallbackOptions;
  /**
   * Real ms between background evaluations (life cycle, due callbacks). Default 500 with the
   * system clock, 0 (off: call `advance()`) when a clock is injected.
   */
  readonly tickMs?: number;
  /** How long a task past its EndTime stays listed with status -1. Default 1 h of task time. */
  readonly exitedRetentionMs?: number;
  /**
   * Model "two tasks pushing to the same DstUrl both fail" (PushStreamFailed until one of them
   * stops). Default false: many tests add tasks with the same default DstUrl.
   */
  readonly dstConflicts?: boolean;
  /**
   * The clock signature timestamps are checked against. Default: the emulator's clock (so a
   * ManualClock test can expire a timestamp).
   */
  readonly timestampClock?: Clock;
  /** The documented readings to model where the pages are ambiguous (docs/emulator.md); over the scenario's. */
  readonly readings?: ReadingsInput;
  readonly log?: Logger;
}

export interface ActionStats {
  calls: number;
  ok: number;
  errors: number;
  throttled: number;
  /** Calls answered by an injected API fault (5xx, timeout, throttle). */
  faulted: number;
}

export interface RecordedRequest {
  readonly action: string;
  readonly version: string;
  /** Every parameter except `Signature`. */
  readonly params: Readonly<Record<string, string>>;
  /** Emulator clock time. */
  readonly at: number;
  /** HTTP status answered; 0 for a call left hanging by a timeout fault. */
  readonly status: number;
  readonly code?: string;
  readonly accessKeyId?: string;
  readonly scheme?: 'v1' | 'v3';
}

export interface EmulatorStats {
  readonly actions: Readonly<Record<string, ActionStats>>;
  readonly totals: ActionStats;
  /** Mutating calls that succeeded (Create/Update/Restart/Stop/Delete, ICE submits and commands). */
  readonly mutations: ReadonlyArray<Mutation>;
  readonly callbacks: CallbackStats;
  readonly tasks: { readonly total: number; readonly byStatus: Readonly<Record<string, number>> };
  readonly recordJobs: number;
  readonly transcodeJobs: number;
}

export interface EmulatorFaults {
  /** Fail the source of one task (taskId) or of every task/job pulling from a host. */
  failSource(selector: FaultSelector): void;
  recoverSource(selector?: FaultSelector): void;
  /** Make a destination reject pushes (by task or destination host). */
  rejectPush(selector: FaultSelector): void;
  acceptPush(selector?: FaultSelector): void;
  /** Inject 5xx (InternalError 500), timeouts (no answer) or throttling at a rate; rate 0 removes. */
  apiFaults(fault: ApiFault): void;
  setLatency(ms: Latency): void;
  setCallbacks(faults: CallbackFaults): void;
  /** Remove every fault and restore the configured latency. */
  clear(): void;
  describe(): Record<string, unknown>;
}

export interface Emulator {
  /** http://127.0.0.1:PORT */
  readonly url: string;
  /** 127.0.0.1:PORT (for @alicloud/openapi-client `endpoint`, with protocol 'HTTP'). */
  readonly endpoint: string;
  readonly accessKey: AccessKeyPair;
  readonly accessKeys: ReadonlyArray<AccessKeyPair>;
  readonly clock: Clock;
  /** Re-evaluates time-driven transitions now, then delivers every callback due and waits for it. */
  advance(): Promise<void>;
  task(taskId: string): EmulatedTask | undefined;
  tasks(): EmulatedTask[];
  recordJobs(): EmulatedRecordJob[];
  transcodeJobs(): EmulatedTranscodeJob[];
  /** Create a task directly (no API call, no rate limit). */
  addTask(init?: TaskInit): EmulatedTask;
  /** Set a task's status directly (no callback), e.g. to start a test from "stopped". */
  setTaskStatus(taskId: string, status: TaskStatus, reason?: string): EmulatedTask;
  addRecordJob(init?: Partial<EmulatedRecordJob>): EmulatedRecordJob;
  addTranscodeJob(init?: Partial<EmulatedTranscodeJob>): EmulatedTranscodeJob;
  /** Remove an ICE job (it disappears from the lists). */
  removeJob(jobId: string): boolean;
  setRestartNewTaskId(on: boolean): void;
  /** The readings in force, and changing them at run time (also `POST /_emulator/readings`). */
  readonly readings: { values(): ReadingValues; set(change: ReadingsInput): ReadingValues };
  setQps(qps: number): void;
  readonly faults: EmulatorFaults;
  readonly callbackLog: ReadonlyArray<CallbackLogEntry>;
  readonly requests: ReadonlyArray<RecordedRequest>;
  stats(): EmulatorStats;
  close(): Promise<void>;
}
