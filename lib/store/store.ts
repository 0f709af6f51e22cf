import type { RecordJob, RelayTask, TranscodeJob } from '../events/resources.js';

/**
 * The Store port: every piece of state that outlives one invocation and is shared by all function
 * instances. Two adapters implement it and pass one contract suite (`test/integration/store-contract.test.ts`):
 * `sqlite` (better-sqlite3, WAL, one file: the embedded default) and `redis` (Redis/Tair ≥ 6, Lua
 * for multi-key or read-modify-write steps).
 *
 * Times are passed in (`now`, epoch ms) rather than read from the machine clock, so tests drive TTLs,
 * leases and due times with a manual clock. Every operation that cannot reach the backing store
 * rejects with `StoreUnavailableError` (never a vendor error).
 */
export interface Store {
  readonly kind: 'sqlite' | 'redis';

  /** Resolves when the store answers; rejects with StoreUnavailableError otherwise. */
  ping(): Promise<void>;
  /**
   * The data layout this store holds (`stored`) and the one this build writes (`supported`); they
   * differ only when another livewatch version wrote the store (`livewatch doctor` reports it).
   */
  schemaVersion(): Promise<{ readonly stored: number; readonly supported: number }>;
  close(): Promise<void>;

  // ---- dedupe -------------------------------------------------------------------------------
  /** Claims `key` once for `ttlMs`. True for exactly one caller while the claim lives. */
  claim(key: string, ttlMs: number, now: number): Promise<boolean>;
  /** Releases a claim (after a failure, so the sender's retry is processed). */
  release(key: string): Promise<void>;
  /**
   * Holds `key` until at least `now + ttlMs`, whether or not the claim still lives (never shortens it):
   * the second phase of a two-phase claim, taken short while processing and extended once the work is
   * done (docs/callback.md, "Dedupe").
   */
  extendClaim(key: string, ttlMs: number, now: number): Promise<void>;
  /**
   * A callback's whole store work in ONE round trip (one transaction / one script): claims
   * `claim.key`; if won, appends `history` to the resource's history, reads its snapshot and forward
   * target, and applies `snapshot` (when given) by `mergeCallbackSnapshot`'s rule. A duplicate
   * changes nothing. See docs/store.md, "One round trip per callback".
   */
  acceptCallback(arrival: CallbackArrival): Promise<CallbackAcceptance>;

  // ---- versioned documents (compare-and-set) -----------------------------------------------
  /** Last known state per resource, keyed by `resourceKey()`. */
  readonly snapshots: VersionedCollection<StoredSnapshot>;
  /** Per-task restart ledger, keyed by `resourceKey()`. */
  readonly ledgers: VersionedCollection<RestartLedger>;
  /** Pending notification groups, keyed by the group key. */
  readonly groups: VersionedCollection<NotificationGroup>;
  /** Circuit breakers, keyed by e.g. `host:<source host>` or `region:<region>`. */
  readonly breakers: VersionedCollection<BreakerState>;
  /** Original callback URLs of taken-over tasks (enrolment), keyed by `resourceKey()`. */
  readonly forwards: VersionedCollection<ForwardTarget>;
  /** Silences and maintenance windows (`livewatch silence`), keyed by their id; shared by all instances. */
  readonly silences: VersionedCollection<Silence>;

  /**
   * Re-keys a task after Restart returned a new TaskId: moves its snapshot, ledger and history
   * from `fromKey` to `toKey` atomically, and appends the old id to the ledger's lineage.
   */
  moveTask(fromKey: string, toKey: string, oldTaskId: string): Promise<void>;

  // ---- leases (single-flight) --------------------------------------------------------------
  /** Takes the lease `name` for `holder` until now + ttlMs. True if taken (free, expired, or already ours). */
  acquireLease(name: string, holder: string, ttlMs: number, now: number): Promise<boolean>;
  /** Releases the lease if `holder` still holds it. */
  releaseLease(name: string, holder: string): Promise<void>;

  // ---- notification outbox (at-least-once delivery) ----------------------------------------
  /** Adds a message. Idempotent on `id`: false if a message with this id exists already. */
  enqueueOutbox(message: NewOutboxMessage): Promise<boolean>;
  /**
   * Takes up to `limit` messages due at `now` (oldest due first) and hides them until now + leaseMs,
   * so concurrent tickers do not send the same message twice while one is in flight.
   */
  takeDueOutbox(now: number, limit: number, leaseMs: number): Promise<OutboxMessage[]>;
  markOutboxSent(id: string, now: number): Promise<void>;
  /**
   * A retryable failure: the message becomes due again at `retryAt`; attempts + 1, unless
   * `countAttempt` is false (the channel throttled us: waiting is not failing, see docs/notify.md).
   */
  markOutboxFailed(id: string, retryAt: number, error: string, countAttempt?: boolean): Promise<void>;
  /** A permanent failure: the message is kept for inspection but never sent again. */
  markOutboxDead(id: string, error: string): Promise<void>;
  outboxStats(): Promise<OutboxStats>;

  // ---- event inbox (every event handed to the alert function; docs/alert.md "Event inbox") ----
  /** Adds entries whose key is not in the inbox yet (adding one again changes nothing). */
  addToInbox(entries: readonly NewInboxEntry[]): Promise<void>;
  /**
   * Entries due at `now` (`dueAt ≤ now`): the `limit` earliest due, in no particular order; each is
   * due again at `now + leaseMs` and its `attempts` counts this take.
   */
  takeDueInbox(now: number, limit: number, leaseMs: number): Promise<InboxEntry[]>;
  /** Removes handled entries; unknown keys are ignored. */
  removeFromInbox(keys: readonly string[]): Promise<void>;
  inboxStats(): Promise<InboxStats>;

  // ---- history ------------------------------------------------------------------------------
  /** Appends to a resource's history, keeping only the newest `cap` entries. */
  appendHistory(resourceKey: string, entry: HistoryEntry, cap?: number): Promise<void>;
  /** Newest first. */
  getHistory(resourceKey: string, limit?: number): Promise<HistoryEntry[]>;

  // ---- shared rate limit --------------------------------------------------------------------
  /**
   * Sliding-window log shared by all instances: if fewer than `limit` calls were recorded under
   * `key` after now − windowMs (calls recorded later than `now` count too: the store-backed API
   * limiter records each call at its estimated arrival), records one at `now` and returns 0;
   * otherwise records nothing and returns how many ms to wait before a slot frees up. Atomic.
   */
  acquireRate(key: string, limit: number, windowMs: number, now: number): Promise<number>;
  /**
   * Moves one call recorded under `key` at `recordedAt` to the earlier `arrivedBy` (the store-backed
   * API limiter, once the answer bounds when the call reached the server). A later `arrivedBy`, or
   * no call recorded at `recordedAt` (aged out), changes nothing.
   */
  settleRate(key: string, recordedAt: number, arrivedBy: number): Promise<void>;

  // ---- poller -------------------------------------------------------------------------------
  putHeartbeat(heartbeat: Heartbeat): Promise<void>;
  getHeartbeat(): Promise<Heartbeat | undefined>;
  /** Where an unfinished sweep continues; undefined clears it. */
  putSweepCursor(cursor: SweepCursor | undefined): Promise<void>;
  getSweepCursor(): Promise<SweepCursor | undefined>;

  // ---- per-pass seen-sets (constant-memory sweeps) -----------------------------------------
  /**
   * Marks snapshot keys as listed during sweep pass `pass`, which may span several ticks; the set is
   * kept until `endPass` or, if a pass is abandoned, until `expiresAt`.
   */
  markSeen(pass: string, keys: readonly string[], expiresAt: number): Promise<void>;
  /**
   * One page of the snapshots whose key starts with `prefix` and that `pass` has NOT marked seen: the
   * candidates for "disappeared", read page by page so memory is bounded by `limit`, not by the
   * number of tasks. Pass the returned `cursor` for the next page; none when the scan is done. A key
   * may come twice when the store reorganises meanwhile (Redis HSCAN), never not at all.
   */
  listUnseen(pass: string, prefix: string, page: UnseenPageRequest): Promise<UnseenPage>;
  /**
   * Forgets pass `pass`. Abandoned passes are collected too: SQLite drops those whose `expiresAt` is
   * before `now`; Redis lets their sets expire (a generous TTL on its own clock, like every PX).
   */
  endPass(pass: string, now: number): Promise<void>;

  // ---- metrics counters (shared by every instance, read by GET /metrics) ----------------------
  /**
   * Adds each increment to its counter atomically (a counter starts at 0). Counters live in the store
   * because FC runs many short-lived instances: a scrape reaches one of them, never all.
   */
  addCounters(increments: Readonly<Record<string, number>>): Promise<void>;
  /** Every counter, by name. */
  getCounters(): Promise<Record<string, number>>;
}

/** What `Store.acceptCallback` does for one callback. */
export interface CallbackArrival {
  readonly claim: { readonly key: string; readonly ttlMs: number };
  readonly now: number;
  readonly resourceKey: string;
  readonly history: HistoryEntry;
  readonly historyCap?: number;
  /** How the callback changes the task's snapshot; undefined: a hint only, the snapshot is left alone. */
  readonly snapshot?: CallbackSnapshotPatch;
  /** Added to the event inbox under `claim.key` when the claim is won (`addToInbox`'s rule). */
  readonly inbox?: { readonly event: unknown; readonly dueAt: number };
}

/**
 * A callback's change to a relay snapshot, as data, so that the store can apply it inside the claim's
 * transaction (`mergeCallbackSnapshot` is the rule; the Redis script mirrors it).
 */
export interface CallbackSnapshotPatch {
  /** The callback's (bounded) EventTime: applied only when newer than the stored observation. */
  readonly observedAt: number;
  /** A stored observation later than this claims the future (written before EventTime was bounded): it orders nothing. */
  readonly futureAfter: number;
  /** The snapshot's resource when none is stored. */
  readonly base: RelayTask;
  /** Fields removed from the stored resource first (reasons belong to one state). */
  readonly drop: ReadonlyArray<'invalidReason' | 'exitReason' | 'exitTime'>;
  /** Fields then set on it; `state` decides whether `stateSince` and `reportedStuck` carry over. */
  readonly set: Partial<RelayTask> & Pick<RelayTask, 'state' | 'status'>;
}

export type CallbackAcceptance =
  | { readonly claimed: false }
  | {
      readonly claimed: true;
      /** The snapshot before this callback (undefined: none). */
      readonly previous: Versioned<StoredSnapshot> | undefined;
      /** The version the patch wrote; undefined when it did not apply (older, not a relay, no patch). */
      readonly writtenVersion: number | undefined;
      readonly forward: ForwardTarget | undefined;
    };

export interface Versioned<T> {
  readonly value: T;
  /** Starts at 1 and increases by one on every successful put. */
  readonly version: number;
}

export type CasResult<T> =
  | { readonly ok: true; readonly version: number }
  | { readonly ok: false; readonly current: Versioned<T> | undefined };

export interface VersionedCollection<T> {
  get(key: string): Promise<Versioned<T> | undefined>;
  /**
   * Writes `value` if the stored version equals `expectedVersion` (`null`: only if absent).
   * On conflict nothing is written and the current document is returned.
   */
  put(key: string, value: T, expectedVersion: number | null): Promise<CasResult<T>>;
  /** Deletes if the version matches (`null`: whatever the version). True if deleted. */
  delete(key: string, expectedVersion: number | null): Promise<boolean>;
  /** All documents whose key starts with `prefix` (all when omitted), in key order. */
  list(prefix?: string): Promise<Array<Versioned<T> & { readonly key: string }>>;
  /**
   * One page of `list`: at most `limit` documents whose key starts with `prefix` and sorts after
   * `after` (exclusive), in key order; `next` is the last key returned when more may follow. Bounded
   * reads for the status page's task list (`docs/status-page.md`).
   */
  listPage(options: ListPageOptions): Promise<DocumentPage<T>>;
}

export interface UnseenPageRequest {
  readonly cursor?: string;
  readonly limit: number;
}

export interface UnseenPage {
  readonly items: Array<Versioned<StoredSnapshot> & { readonly key: string }>;
  readonly cursor?: string;
}

export interface ListPageOptions {
  readonly prefix?: string;
  readonly after?: string;
  readonly limit: number;
}

export interface DocumentPage<T> {
  readonly items: Array<Versioned<T> & { readonly key: string }>;
  readonly next?: string;
}

/** What the poller last saw of a resource. */
export interface StoredSnapshot {
  readonly resource: RelayTask | RecordJob | TranscodeJob;
  /** Epoch ms of the observation this snapshot reflects (callback EventTime or sweep time). */
  readonly observedAt: number;
  /** Epoch ms since when the resource has been in its current state, as far as livewatch knows. */
  readonly stateSince: number;
  /** Stuck conditions already reported for the current state, so each is reported once. */
  readonly reportedStuck?: readonly string[];
}

export interface RestartLedger {
  readonly taskId: string;
  readonly region: string;
  /** Epoch ms of restarts performed, newest last (only those inside the budget window are kept). */
  readonly restarts: readonly number[];
  /** Restarts since the task was last healthy for the reset period; drives the backoff exponent. */
  readonly consecutive: number;
  /** Earliest time the next automatic restart may happen (backoff), epoch ms. */
  readonly nextAttemptAt?: number;
  /** Epoch ms since when the task has been seen running continuously. */
  readonly healthySince?: number;
  /** Epoch ms since when the task has been unhealthy (for "recovered after N seconds"). */
  readonly unhealthySince?: number;
  /** Budget spent: livewatch stopped acting and escalated once. Cleared when the task runs again. */
  readonly needsPerson: boolean;
  readonly escalatedAt?: number;
  /** Previous TaskIds of this task, oldest first (Restart may return a new TaskId). */
  readonly lineage: readonly string[];
  /** A restart livewatch itself made and expects a Running event for (so it is not taken as external). */
  readonly pendingRestartAt?: number;
  /**
   * When the Restart of that attempt answered OK. From then on a stop the task shows is not one our
   * calls caused, unless its exit time is older (docs/alert.md, "User stops"). Cleared with
   * `pendingRestartAt` and by the next attempt's intent.
   */
  readonly restartAnsweredAt?: number;
  /**
   * The restart being carried out, written BEFORE its first mutating call (write-ahead) and cleared
   * in the write that records its outcome. Found by a later invocation, it says a restart may have
   * happened (docs/alert.md, "Ledger states").
   */
  readonly attempt?: RestartAttempt;
  /**
   * Verification through the API failing for this task (docs/alert.md, "Verification budget"):
   * retried with backoff up to a bound, then `reportedAt` is set and nothing is retried until a
   * verification succeeds.
   */
  readonly verifyFailures?: {
    readonly count: number;
    readonly since: number;
    readonly lastError: string;
    readonly reportedAt?: number;
  };
  /**
   * A stop livewatch took as deliberate: `user` (TriggerByUser, from the verified task or a callback)
   * or `no-reason` (TaskStatus 3 without any reason; its one notice was sent at `at`). Kept until the
   * task is seen running again, so a later look that lacks the callback's reason still knows.
   */
  readonly deliberateStop?: { readonly cause: 'user' | 'no-reason'; readonly at: number };
}

/** A restart whose outcome is not recorded yet (docs/alert.md, "Ledger states"). */
export interface RestartAttempt {
  /** Epoch ms the intent was written (the decision's time; the restart's time in the budget). */
  readonly at: number;
  /** The attempt's number in its series (1 for the first restart). */
  readonly number: number;
  /** Where playback was to resume (VOD / url sources). */
  readonly resume?: { readonly fileIndex: number; readonly offset: number };
  /**
   * `intent`: the calls are under way (or their holder died before recording the outcome);
   * `unknown`: `action` was answered ambiguously (5xx, timeout, reset) and may have been carried out.
   */
  readonly state: 'intent' | 'unknown';
  readonly action?: 'StopLivePullToPush' | 'UpdateLivePullToPush' | 'RestartLivePullToPush';
}

export interface HistoryEntry {
  /** Epoch ms. */
  readonly at: number;
  /** e.g. `event`, `restart`, `resume`, `skip`, `gave-up`, `breaker`, `recovered`, `enrolled`. */
  readonly type: string;
  readonly message: string;
  readonly data?: Readonly<Record<string, unknown>>;
}

export interface NewInboxEntry {
  /** The event's dedupe key (`TaskEvent.key`). */
  readonly key: string;
  /** The event (JSON-serialisable). */
  readonly event: unknown;
  readonly createdAt: number;
  /** When the alert tick may re-deliver it if it is not handled by then. */
  readonly dueAt: number;
}

export interface InboxEntry {
  readonly key: string;
  readonly event: unknown;
  readonly createdAt: number;
  /** How many times it has been taken for re-delivery (1 on the first take). */
  readonly attempts: number;
}

export interface InboxStats {
  readonly pending: number;
  /** The earliest `dueAt` among the entries; undefined when the inbox is empty. */
  readonly nextDueAt?: number;
}

export interface NewOutboxMessage {
  readonly id: string;
  /** Channel name, e.g. `dingtalk`, `slack`, `feishu`, `wecom`, `webhook`. */
  readonly channel: string;
  /** The rendered, secret-free message body for the channel (JSON-serialisable). */
  readonly payload: unknown;
  readonly dueAt: number;
  readonly createdAt: number;
}

export interface OutboxMessage extends NewOutboxMessage {
  readonly attempts: number;
  readonly lastError?: string;
}

export interface OutboxStats {
  readonly pending: number;
  readonly sent: number;
  readonly dead: number;
  /** Due time of the oldest pending message, if any. */
  readonly oldestDueAt?: number;
}

export type Severity = 'critical' | 'warning' | 'info';

/** One alert inside a notification group (Alertmanager model). */
export interface GroupedAlert {
  readonly id: string;
  readonly status: 'firing' | 'resolved';
  readonly title: string;
  readonly text: string;
  /** Chinese wording (messages in zh-CN), and links to the console / status page. */
  readonly zh?: { readonly title: string; readonly text: string };
  readonly links?: ReadonlyArray<{ readonly kind: 'console' | 'status'; readonly url: string }>;
  /** Keys of Store.breakers whose open state folds this alert into the breaker's alert (inhibition). */
  readonly inhibitedBy?: readonly string[];
  /** Set once the alert was folded into an open breaker's alert: it is never sent on its own. */
  readonly foldedInto?: string;
  readonly startsAt: number;
  readonly endsAt?: number;
  readonly updatedAt: number;
}

export interface NotificationGroup {
  readonly key: string;
  readonly channel: string;
  readonly severity: Severity;
  readonly labels: Readonly<Record<string, string>>;
  readonly alerts: Readonly<Record<string, GroupedAlert>>;
  /** When the group next needs a flush (group_wait / group_interval / repeat_interval), epoch ms. */
  readonly nextFlushAt: number;
  readonly lastSentAt?: number;
  /** Fingerprint of what was last sent (firing and resolved ids), to decide whether anything changed. */
  readonly lastSentFingerprint?: string;
}

export interface BreakerState {
  readonly key: string;
  readonly state: 'closed' | 'open' | 'half-open';
  /** Epoch ms of recent failures counted toward tripping. */
  readonly failures: readonly number[];
  readonly openedAt?: number;
  /** The task restarted as the half-open probe. */
  readonly probeTaskKey?: string;
  readonly probeAt?: number;
}

/** A silence: matching alerts are recorded but not sent; with `pauseRestarts`, a maintenance window. */
export interface Silence {
  readonly id: string;
  /** Matchers like a route's (docs/notify.md "Silences"), plus exact `taskId`s. */
  readonly matchers: {
    readonly severity?: ReadonlyArray<Severity>;
    readonly kind?: readonly string[];
    readonly region?: readonly string[];
    readonly reason?: readonly string[];
    readonly sourceHost?: readonly string[];
    readonly taskName?: string;
    readonly taskId?: readonly string[];
  };
  /** Epoch ms. */
  readonly startsAt: number;
  readonly endsAt: number;
  readonly createdBy: string;
  readonly comment: string;
  readonly createdAt: number;
  /** Also pause automatic restarts of matching tasks while the window is active. */
  readonly pauseRestarts: boolean;
}

export interface ForwardTarget {
  /** The task's CallbackUrl before livewatch took it over; every callback is forwarded there. */
  readonly originalUrl: string;
  readonly since: number;
}

export interface Heartbeat {
  /** Epoch ms when the last sweep finished successfully (complete or budget-limited). */
  readonly lastSuccessAt: number;
  readonly durationMs: number;
  readonly complete: boolean;
  readonly counts: Readonly<Record<string, number>>;
  readonly apiCalls: number;
  readonly lastError?: string;
}

export interface SweepCursor {
  /** The listing (e.g. `relay:cn-shanghai`) to continue with, and the page within it. */
  readonly scope: string;
  readonly page: number;
  readonly startedAt: number;
  /**
   * The pass's seen-set in the store (`markSeen`): the tasks listed so far in this scope's pass, so
   * that disappearance is concluded only at the end of a pass that spans several ticks. A cursor
   * without one (older builds kept the ids in the cursor itself) cannot vouch for its earlier pages.
   */
  readonly pass?: string;
}
