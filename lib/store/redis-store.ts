import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { describeError } from '../errors.js';
import type { Logger } from '../log.js';
import { awaitRedisReady } from './await-redis-ready.js';
import { checkCounters, checkInteger, checkKey, toJson } from './check-store-input.js';
import { type AddCounters, coalesceCounters } from './coalesce-counters.js';
import { readDocumentValue } from './read-document.js';
import * as lua from './redis-scripts.js';
import type {
  BreakerState,
  CallbackAcceptance,
  CallbackArrival,
  CasResult,
  DocumentPage,
  ForwardTarget,
  Heartbeat,
  HistoryEntry,
  InboxEntry,
  InboxStats,
  ListPageOptions,
  NewInboxEntry,
  NewOutboxMessage,
  NotificationGroup,
  OutboxMessage,
  OutboxStats,
  RestartLedger,
  Silence,
  Store,
  StoredSnapshot,
  SweepCursor,
  UnseenPage,
  UnseenPageRequest,
  Versioned,
  VersionedCollection,
} from './store.js';
import {
  type CollectionName,
  DEFAULT_HISTORY_CAP,
  DEFAULT_SENT_RETENTION_MS,
  RATE_LOG_RETENTION_WINDOWS,
} from './store-defaults.js';
import { guardStoreCall, toStoreError } from './to-store-error.js';

export interface RedisStoreOptions {
  /** `redis://[user:pass@]host:port[/db]` or `rediss://…` (TLS). */
  readonly url: string;
  /** Prepended to every key (LIVEWATCH_REDIS_PREFIX). Use a hash tag, e.g. `{livewatch}:`, on a cluster. */
  readonly prefix?: string;
  readonly log?: Logger;
  /** Connect timeout and per-command timeout: an outage surfaces as StoreUnavailableError within this. */
  readonly timeoutMs?: number;
  readonly sentRetentionMs?: number;
}

/** Version of the Redis key layout this build reads and writes (`<prefix>meta:schema-version`). */
const REDIS_SCHEMA_VERSION = 1;
/** Claims and leases outlive their logical expiry by this much before Redis collects them. */
const MIN_GC_SLACK_MS = 60_000;
const MOVE_TASK_ATTEMPTS = 10;

/**
 * Connects to Redis/Tair (≥ 6) and returns the Store. Fails fast: no offline queue, one retry per
 * command, bounded connect and command timeouts, so callers get StoreUnavailableError instead of a hang.
 * @example const store = await openRedisStore({ url: 'redis://10.0.0.5:6379/0', prefix: 'livewatch:' });
 */
export async function openRedisStore(options: RedisStoreOptions): Promise<Store> {
  const timeoutMs = options.timeoutMs ?? 2_000;
  const redis = new Redis(options.url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: timeoutMs,
    commandTimeout: timeoutMs,
    // Keep reconnecting in the background (a function instance outlives a Redis failover). The first
    // attempt after a drop is immediate, so a thawed instance's first command (awaitRedisReady) runs on a
    // new connection at once; further attempts back off to 2 s (a failed attempt does not reset the count).
    retryStrategy: (times: number) => (times === 1 ? 0 : Math.min(200 * times, 2_000)),
  });
  // Without a listener an 'error' event would crash the process. Callers see each failure as a
  // StoreUnavailableError; the log gets one line when the connection is lost and one when it is back,
  // not one per reconnect attempt.
  let connected = false;
  // ioredis rejects connect() with a bare "Connection is closed."; the reason (ECONNREFUSED,
  // ENOTFOUND, WRONGPASS) came through the 'error' event just before.
  let lastError: unknown;
  redis.on('ready', () => {
    if (!connected) options.log?.info('redis store connected');
    connected = true;
  });
  redis.on('error', (error: unknown) => {
    lastError = error;
    if (connected) options.log?.warn('redis store connection lost', { error: describeError(error) });
    connected = false;
  });
  // A close without an error (the server's idle timeout, CLIENT KILL, a failover) is a loss too.
  // Our own close() (quit) ends in status 'end'; a lost connection goes on to 'reconnecting'.
  redis.on('close', () => {
    if (connected && redis.status !== 'end')
      options.log?.warn('redis store connection lost', { error: 'closed by the server' });
    connected = false;
  });
  try {
    await redis.connect();
  } catch (error) {
    // Stop the background reconnect loop of a client nobody will use.
    redis.disconnect();
    throw toStoreError('open', lastError ?? error);
  }
  // Every operation first waits for a usable connection (at most one attempt, bounded by the timeout).
  const guard: Guard = (operation, fn) =>
    guardStoreCall(operation, async () => {
      await awaitRedisReady(redis, timeoutMs);
      return fn();
    });
  return new RedisStore(
    redis,
    guard,
    options.prefix ?? 'livewatch:',
    options.sentRetentionMs ?? DEFAULT_SENT_RETENTION_MS,
  );
}

/** guardStoreCall behind the connection gate: one per client. */
type Guard = <T>(operation: string, fn: () => T | Promise<T>) => Promise<T>;

type Arg = string | number;

/** EVALSHA, falling back to EVAL once when the server does not have the script cached yet. */
async function run(redis: Redis, script: lua.LuaScript, keys: readonly string[], args: readonly Arg[]) {
  try {
    return (await redis.evalsha(script.sha, keys.length, ...keys, ...args)) as unknown;
  } catch (error) {
    if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
    return (await redis.eval(script.source, keys.length, ...keys, ...args)) as unknown;
  }
}

function asArray(reply: unknown, what: string): unknown[] {
  if (!Array.isArray(reply)) throw new Error(`unexpected redis reply for ${what}: ${typeof reply}`);
  return reply;
}

function asNumber(reply: unknown, what: string): number {
  const value = typeof reply === 'string' ? Number(reply) : reply;
  if (typeof value !== 'number' || Number.isNaN(value)) {
    throw new Error(`unexpected redis reply for ${what}: ${String(reply)}`);
  }
  return value;
}

/** Parses a stored `{"version":N,"v":…}` document. */
function parseDoc<T>(raw: string): Versioned<T> {
  const doc = JSON.parse(raw) as { version: number; v: T };
  return { value: doc.v, version: doc.version };
}

/** Escapes Redis glob metacharacters so a list prefix matches literally. */
function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, (char) => `\\${char}`);
}

/**
 * Byte order of the UTF-8 keys: the same order SQLite's BINARY collation gives. UTF-8 byte order is
 * code point order, which UTF-16 code units keep except that surrogates (U+D800–DFFF, the halves of
 * code points above U+FFFF) must sort after U+E000–FFFF; remapping the first differing unit fixes
 * that. No Buffer per comparison: sorting 10,000 keys that way cost ~100 ms (`bench/status-page.ts`).
 */
function compareKeys(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i += 1) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return codePointRank(x) - codePointRank(y);
  }
  return a.length - b.length;
}

function codePointRank(unit: number): number {
  if (unit >= 0xd800 && unit <= 0xdfff) return unit + 0x2000;
  return unit >= 0xe000 ? unit - 0x800 : unit;
}

/** A pass's seen-set outlives its last markSeen by this much on Redis' clock (garbage collection only). */
const SEEN_GC_TTL_MS = 2 * 24 * 3600 * 1000;

class RedisStore implements Store {
  readonly kind = 'redis' as const;
  readonly snapshots: VersionedCollection<StoredSnapshot>;
  readonly ledgers: VersionedCollection<RestartLedger>;
  readonly groups: VersionedCollection<NotificationGroup>;
  readonly breakers: VersionedCollection<BreakerState>;
  readonly forwards: VersionedCollection<ForwardTarget>;
  readonly silences: VersionedCollection<Silence>;

  readonly #redis: Redis;
  readonly #guard: Guard;
  readonly #prefix: string;
  readonly #sentRetentionMs: number;
  /** Every callback answer records counters: concurrent increments share one MULTI (docs/store.md, "Counters"). */
  readonly #addCounters: AddCounters;

  constructor(redis: Redis, guard: Guard, prefix: string, sentRetentionMs: number) {
    this.#redis = redis;
    this.#guard = guard;
    this.#prefix = prefix;
    this.#sentRetentionMs = sentRetentionMs;
    // A batch may be written a little after its first caller's guard ran: it waits for the connection again.
    this.#addCounters = coalesceCounters((sums) =>
      guard('addCounters', async () => {
        // One MULTI: HINCRBYFLOAT is atomic per field, the transaction makes the batch atomic too.
        const multi = redis.multi();
        for (const [name, value] of sums) multi.hincrbyfloat(this.#key('metrics', 'counters'), name, value);
        const replies = await multi.exec();
        const failed = replies?.find(([error]) => error !== null);
        if (replies === null || failed) throw failed?.[0] ?? new Error('addCounters: transaction aborted');
      }),
    );
    this.snapshots = new RedisCollection(redis, guard, prefix, 'snapshots');
    this.ledgers = new RedisCollection(redis, guard, prefix, 'ledgers');
    this.groups = new RedisCollection(redis, guard, prefix, 'groups');
    this.breakers = new RedisCollection(redis, guard, prefix, 'breakers');
    this.forwards = new RedisCollection(redis, guard, prefix, 'forwards');
    this.silences = new RedisCollection(redis, guard, prefix, 'silences');
  }

  ping(): Promise<void> {
    return this.#guard('ping', async () => {
      await this.#redis.ping();
    });
  }

  schemaVersion(): Promise<{ stored: number; supported: number }> {
    return this.#guard('schemaVersion', async () => {
      const key = this.#key('meta', 'schema-version');
      // The key layout has had one version; a fresh store takes it, an older build's store keeps its own.
      await this.#redis.set(key, String(REDIS_SCHEMA_VERSION), 'NX');
      return { stored: Number(await this.#redis.get(key)), supported: REDIS_SCHEMA_VERSION };
    });
  }

  async close(): Promise<void> {
    if (this.#redis.status === 'end') return;
    try {
      await this.#redis.quit();
    } catch {
      // QUIT fails when the connection is already down (an outage): closing must still release the
      // client and stop its reconnect loop, which disconnect() does; there is nothing to report.
      this.#redis.disconnect();
    }
  }

  claim(key: string, ttlMs: number, now: number): Promise<boolean> {
    return this.#guard('claim', async () => {
      checkKey('claim', 'key', key);
      checkInteger('claim', 'ttlMs', ttlMs, 1);
      const reply = await run(
        this.#redis,
        lua.CLAIM,
        [this.#key('claim', key)],
        [now, now + ttlMs, ttlMs + Math.max(ttlMs, MIN_GC_SLACK_MS)],
      );
      return asNumber(reply, 'claim') === 1;
    });
  }

  release(key: string): Promise<void> {
    return this.#guard('release', async () => {
      await this.#redis.del(this.#key('claim', key));
    });
  }

  extendClaim(key: string, ttlMs: number, now: number): Promise<void> {
    return this.#guard('extendClaim', async () => {
      checkKey('extendClaim', 'key', key);
      checkInteger('extendClaim', 'ttlMs', ttlMs, 1);
      await run(
        this.#redis,
        lua.EXTEND_CLAIM,
        [this.#key('claim', key)],
        [now + ttlMs, ttlMs + Math.max(ttlMs, MIN_GC_SLACK_MS)],
      );
    });
  }

  acceptCallback(arrival: CallbackArrival): Promise<CallbackAcceptance> {
    return this.#guard('acceptCallback', async (): Promise<CallbackAcceptance> => {
      const { claim, now, resourceKey } = arrival;
      checkKey('acceptCallback', 'claim.key', claim.key);
      checkInteger('acceptCallback', 'claim.ttlMs', claim.ttlMs, 1);
      checkKey('acceptCallback', 'resourceKey', resourceKey);
      const cap = arrival.historyCap ?? DEFAULT_HISTORY_CAP;
      checkInteger('acceptCallback', 'historyCap', cap, 1);
      const entry = toJson('acceptCallback', 'history', arrival.history);
      const patch =
        arrival.snapshot === undefined ? '' : toJson('acceptCallback', 'snapshot', arrival.snapshot);
      const reply = asArray(
        await run(
          this.#redis,
          lua.ACCEPT_CALLBACK,
          [
            this.#key('claim', claim.key),
            this.#key('history', resourceKey),
            this.#key('doc', 'snapshots'),
            this.#key('doc', 'forwards'),
            this.#key('inbox', 'entries'),
            this.#key('inbox', 'due'),
          ],
          [
            now,
            now + claim.ttlMs,
            claim.ttlMs + Math.max(claim.ttlMs, MIN_GC_SLACK_MS),
            entry,
            cap,
            resourceKey,
            patch,
            arrival.inbox ? inboxJson('acceptCallback', arrival.inbox.event, now) : '',
            arrival.inbox?.dueAt ?? 0,
            claim.key,
          ],
        ),
        'acceptCallback',
      );
      if (asNumber(reply[0], 'acceptCallback') === 0) return { claimed: false };
      const [, previous, forward, written] = reply;
      const writtenVersion = asNumber(written, 'acceptCallback');
      return {
        claimed: true,
        previous: typeof previous === 'string' ? parseDoc<StoredSnapshot>(previous) : undefined,
        writtenVersion: writtenVersion === 0 ? undefined : writtenVersion,
        forward: typeof forward === 'string' ? parseDoc<ForwardTarget>(forward).value : undefined,
      };
    });
  }

  moveTask(fromKey: string, toKey: string, oldTaskId: string): Promise<void> {
    return this.#guard('moveTask', async () => {
      checkKey('moveTask', 'fromKey', fromKey);
      checkKey('moveTask', 'toKey', toKey);
      if (fromKey === toKey) return;
      const ledgers = this.#key('doc', 'ledgers');
      // The lineage is edited here, not in Lua (cjson would mangle empty arrays); the script applies
      // the edit only if the ledger is still the one read, else we read again.
      for (let attempt = 0; attempt < MOVE_TASK_ATTEMPTS; attempt += 1) {
        const raw = await this.#redis.hget(ledgers, fromKey);
        let moved = '';
        if (raw !== null) {
          const ledger = parseDoc<RestartLedger>(raw).value;
          const lineage =
            ledger.lineage.at(-1) === oldTaskId ? ledger.lineage : [...ledger.lineage, oldTaskId];
          moved = JSON.stringify({ ...ledger, lineage });
        }
        const reply = await run(
          this.#redis,
          lua.MOVE_TASK,
          [
            this.#key('doc', 'snapshots'),
            ledgers,
            this.#key('history', fromKey),
            this.#key('history', toKey),
          ],
          [fromKey, toKey, raw ?? '', moved],
        );
        if (asNumber(reply, 'moveTask') === 1) return;
      }
      throw new Error(`the ledger of ${fromKey} kept changing during moveTask`);
    });
  }

  acquireLease(name: string, holder: string, ttlMs: number, now: number): Promise<boolean> {
    return this.#guard('acquireLease', async () => {
      checkKey('acquireLease', 'name', name);
      checkKey('acquireLease', 'holder', holder);
      checkInteger('acquireLease', 'ttlMs', ttlMs, 1);
      const reply = await run(
        this.#redis,
        lua.ACQUIRE_LEASE,
        [this.#key('lease', name)],
        [holder, now, now + ttlMs, ttlMs + Math.max(ttlMs, MIN_GC_SLACK_MS)],
      );
      return asNumber(reply, 'acquireLease') === 1;
    });
  }

  releaseLease(name: string, holder: string): Promise<void> {
    return this.#guard('releaseLease', async () => {
      await run(this.#redis, lua.RELEASE_LEASE, [this.#key('lease', name)], [holder]);
    });
  }

  enqueueOutbox(message: NewOutboxMessage): Promise<boolean> {
    return this.#guard('enqueueOutbox', async () => {
      checkKey('enqueueOutbox', 'id', message.id);
      checkKey('enqueueOutbox', 'channel', message.channel);
      const payload = toJson('enqueueOutbox', 'payload', message.payload);
      const reply = await run(
        this.#redis,
        lua.ENQUEUE_OUTBOX,
        [this.#messageKey(message.id), this.#key('outbox', 'due')],
        [message.id, message.channel, payload, message.dueAt, message.createdAt],
      );
      return asNumber(reply, 'enqueueOutbox') === 1;
    });
  }

  takeDueOutbox(now: number, limit: number, leaseMs: number): Promise<OutboxMessage[]> {
    return this.#guard('takeDueOutbox', async () => {
      checkInteger('takeDueOutbox', 'limit', limit, 1);
      checkInteger('takeDueOutbox', 'leaseMs', leaseMs, 1);
      const reply = await run(
        this.#redis,
        lua.TAKE_DUE_OUTBOX,
        [this.#key('outbox', 'due'), this.#key('outbox', 'inflight')],
        [now, limit, now + leaseMs, this.#messageKey('')],
      );
      return asArray(reply, 'takeDueOutbox').map((row) => toOutboxMessage(asArray(row, 'outbox message')));
    });
  }

  markOutboxSent(id: string, now: number): Promise<void> {
    return this.#guard('markOutboxSent', async () => {
      await run(
        this.#redis,
        lua.MARK_OUTBOX_SENT,
        [
          this.#messageKey(id),
          this.#key('outbox', 'due'),
          this.#key('outbox', 'inflight'),
          this.#key('outbox', 'sent'),
        ],
        [id, now, now - this.#sentRetentionMs, this.#messageKey('')],
      );
    });
  }

  markOutboxFailed(id: string, retryAt: number, error: string, countAttempt = true): Promise<void> {
    return this.#guard('markOutboxFailed', async () => {
      await run(
        this.#redis,
        lua.MARK_OUTBOX_FAILED,
        [this.#messageKey(id), this.#key('outbox', 'due'), this.#key('outbox', 'inflight')],
        [id, retryAt, error, countAttempt ? 1 : 0],
      );
    });
  }

  markOutboxDead(id: string, error: string): Promise<void> {
    return this.#guard('markOutboxDead', async () => {
      await run(
        this.#redis,
        lua.MARK_OUTBOX_DEAD,
        [
          this.#messageKey(id),
          this.#key('outbox', 'due'),
          this.#key('outbox', 'inflight'),
          this.#key('outbox', 'dead'),
        ],
        [id, error],
      );
    });
  }

  outboxStats(): Promise<OutboxStats> {
    return this.#guard('outboxStats', async () => {
      const reply = asArray(
        await run(
          this.#redis,
          lua.OUTBOX_STATS,
          [
            this.#key('outbox', 'due'),
            this.#key('outbox', 'inflight'),
            this.#key('outbox', 'sent'),
            this.#key('outbox', 'dead'),
          ],
          [this.#messageKey('')],
        ),
        'outboxStats',
      );
      const counts = {
        pending: asNumber(reply[0], 'pending'),
        sent: asNumber(reply[1], 'sent'),
        dead: asNumber(reply[2], 'dead'),
      };
      return reply[3] == null ? counts : { ...counts, oldestDueAt: asNumber(reply[3], 'oldestDueAt') };
    });
  }

  addToInbox(entries: readonly NewInboxEntry[]): Promise<void> {
    return this.#guard('addToInbox', async () => {
      if (entries.length === 0) return;
      const args = entries.flatMap((entry) => {
        checkKey('addToInbox', 'key', entry.key);
        checkInteger('addToInbox', 'dueAt', entry.dueAt, 0);
        return [entry.key, inboxJson('addToInbox', entry.event, entry.createdAt), entry.dueAt];
      });
      await run(
        this.#redis,
        lua.ADD_TO_INBOX,
        [this.#key('inbox', 'entries'), this.#key('inbox', 'due')],
        args,
      );
    });
  }

  takeDueInbox(now: number, limit: number, leaseMs: number): Promise<InboxEntry[]> {
    return this.#guard('takeDueInbox', async () => {
      checkInteger('takeDueInbox', 'limit', limit, 1);
      checkInteger('takeDueInbox', 'leaseMs', leaseMs, 1);
      const reply = await run(this.#redis, lua.TAKE_DUE_INBOX, this.#inboxKeys(), [
        now,
        limit,
        now + leaseMs,
      ]);
      return asArray(reply, 'takeDueInbox').map((row) => {
        const [key, raw, attempts] = asArray(row, 'inbox entry');
        if (typeof key !== 'string' || typeof raw !== 'string') throw new Error('an inbox entry is damaged');
        const stored = JSON.parse(raw) as { event: unknown; createdAt: number };
        return {
          key,
          event: stored.event,
          createdAt: stored.createdAt,
          attempts: asNumber(attempts, 'attempts'),
        };
      });
    });
  }

  removeFromInbox(keys: readonly string[]): Promise<void> {
    return this.#guard('removeFromInbox', async () => {
      if (keys.length > 0) await run(this.#redis, lua.REMOVE_FROM_INBOX, this.#inboxKeys(), keys);
    });
  }

  inboxStats(): Promise<InboxStats> {
    return this.#guard('inboxStats', async () => {
      const [pending, next] = asArray(
        await run(this.#redis, lua.INBOX_STATS, [this.#key('inbox', 'due')], []),
        'inboxStats',
      );
      const count = asNumber(pending, 'pending');
      return typeof next === 'string'
        ? { pending: count, nextDueAt: asNumber(next, 'nextDueAt') }
        : { pending: count };
    });
  }

  appendHistory(resourceKey: string, entry: HistoryEntry, cap = DEFAULT_HISTORY_CAP): Promise<void> {
    return this.#guard('appendHistory', async () => {
      checkKey('appendHistory', 'resourceKey', resourceKey);
      checkInteger('appendHistory', 'cap', cap, 1);
      const json = toJson('appendHistory', 'entry', entry);
      await run(this.#redis, lua.APPEND_HISTORY, [this.#key('history', resourceKey)], [json, cap]);
    });
  }

  getHistory(resourceKey: string, limit?: number): Promise<HistoryEntry[]> {
    return this.#guard('getHistory', async () => {
      if (limit !== undefined) checkInteger('getHistory', 'limit', limit, 0);
      if (limit === 0) return [];
      const items = await this.#redis.lrange(this.#key('history', resourceKey), 0, (limit ?? 0) - 1);
      return items.map((item) => JSON.parse(item) as HistoryEntry);
    });
  }

  acquireRate(key: string, limit: number, windowMs: number, now: number): Promise<number> {
    return this.#guard('acquireRate', async () => {
      checkKey('acquireRate', 'key', key);
      checkInteger('acquireRate', 'limit', limit, 1);
      checkInteger('acquireRate', 'windowMs', windowMs, 1);
      const retention = windowMs * RATE_LOG_RETENTION_WINDOWS;
      const reply = await run(
        this.#redis,
        lua.ACQUIRE_RATE,
        [this.#key('rate', key)],
        [
          now,
          now - windowMs,
          limit,
          `${now}:${randomUUID()}`,
          now - retention,
          retention + MIN_GC_SLACK_MS,
          windowMs,
        ],
      );
      return asNumber(reply, 'acquireRate');
    });
  }

  settleRate(key: string, recordedAt: number, arrivedBy: number): Promise<void> {
    return this.#guard('settleRate', async () => {
      checkKey('settleRate', 'key', key);
      checkInteger('settleRate', 'recordedAt', recordedAt, 0);
      checkInteger('settleRate', 'arrivedBy', arrivedBy, 0);
      if (arrivedBy >= recordedAt) return;
      await run(this.#redis, lua.SETTLE_RATE, [this.#key('rate', key)], [recordedAt, arrivedBy]);
    });
  }

  putHeartbeat(heartbeat: Heartbeat): Promise<void> {
    return this.#guard('putHeartbeat', async () => {
      await this.#redis.set(this.#key('poller', 'heartbeat'), toJson('putHeartbeat', 'heartbeat', heartbeat));
    });
  }

  getHeartbeat(): Promise<Heartbeat | undefined> {
    return this.#guard('getHeartbeat', async () => {
      const raw = await this.#redis.get(this.#key('poller', 'heartbeat'));
      return raw === null ? undefined : (JSON.parse(raw) as Heartbeat);
    });
  }

  putSweepCursor(cursor: SweepCursor | undefined): Promise<void> {
    return this.#guard('putSweepCursor', async () => {
      const key = this.#key('poller', 'sweep-cursor');
      if (cursor === undefined) await this.#redis.del(key);
      else await this.#redis.set(key, toJson('putSweepCursor', 'cursor', cursor));
    });
  }

  getSweepCursor(): Promise<SweepCursor | undefined> {
    return this.#guard('getSweepCursor', async () => {
      const raw = await this.#redis.get(this.#key('poller', 'sweep-cursor'));
      return raw === null ? undefined : (JSON.parse(raw) as SweepCursor);
    });
  }

  addCounters(increments: Readonly<Record<string, number>>): Promise<void> {
    return this.#guard('addCounters', async () => {
      const entries = checkCounters(increments);
      if (entries.length === 0) return;
      await this.#addCounters(entries);
    });
  }

  getCounters(): Promise<Record<string, number>> {
    return this.#guard('getCounters', async () => {
      const raw = await this.#redis.hgetall(this.#key('metrics', 'counters'));
      return Object.fromEntries(Object.entries(raw).map(([name, value]) => [name, Number(value)]));
    });
  }

  markSeen(pass: string, keys: readonly string[], expiresAt: number): Promise<void> {
    return this.#guard('markSeen', async () => {
      checkKey('markSeen', 'pass', pass);
      checkInteger('markSeen', 'expiresAt', expiresAt, 0);
      if (keys.length === 0) return;
      const set = this.#key('seen', pass);
      // An abandoned pass's set goes by itself (a deleted scope, changed settings). Like every PX here
      // this is garbage collection on Redis' clock, not the caller's, so it is generous: `expiresAt`
      // (the caller's clock) orders nothing in Redis.
      await this.#redis
        .multi()
        .sadd(set, ...keys)
        .pexpire(set, SEEN_GC_TTL_MS)
        .exec();
    });
  }

  listUnseen(pass: string, prefix: string, page: UnseenPageRequest): Promise<UnseenPage> {
    return this.#guard('listUnseen', async (): Promise<UnseenPage> => {
      checkKey('listUnseen', 'pass', pass);
      checkInteger('listUnseen', 'limit', page.limit, 1);
      const reply = asArray(
        await run(
          this.#redis,
          lua.LIST_UNSEEN,
          [this.#key('doc', 'snapshots'), this.#key('seen', pass)],
          [page.cursor ?? '0', `${escapeGlob(prefix)}*`, page.limit],
        ),
        'listUnseen',
      );
      const [next, ...flat] = reply;
      const items: Array<Versioned<StoredSnapshot> & { key: string }> = [];
      for (let i = 0; i + 1 < flat.length; i += 2) {
        const key = flat[i];
        const raw = flat[i + 1];
        if (typeof key === 'string' && typeof raw === 'string')
          items.push({ key, ...parseDoc<StoredSnapshot>(raw) });
      }
      // HSCAN's cursor: "0" when the scan is complete.
      return typeof next === 'string' && next !== '0' ? { items, cursor: next } : { items };
    });
  }

  endPass(pass: string, _now: number): Promise<void> {
    return this.#guard('endPass', async () => {
      // Other abandoned passes expire by themselves (markSeen's PEXPIRE).
      await this.#redis.del(this.#key('seen', pass));
    });
  }

  #key(kind: string, name: string): string {
    return `${this.#prefix}${kind}:${name}`;
  }

  #inboxKeys(): string[] {
    return [this.#key('inbox', 'entries'), this.#key('inbox', 'due'), this.#key('inbox', 'attempts')];
  }

  #messageKey(id: string): string {
    return `${this.#prefix}outbox:msg:${id}`;
  }
}

class RedisCollection<T> implements VersionedCollection<T> {
  readonly #redis: Redis;
  readonly #guard: Guard;
  readonly #hash: string;
  readonly #name: CollectionName;

  constructor(redis: Redis, guard: Guard, prefix: string, name: CollectionName) {
    this.#redis = redis;
    this.#guard = guard;
    this.#hash = `${prefix}doc:${name}`;
    this.#name = name;
  }

  /** A stored `{"version":N,"v":…}`, its value parsed by the collection's shape (read-document.ts). */
  #versioned(key: string, raw: string): Versioned<T> {
    const { value, version } = parseDoc<unknown>(raw);
    return { value: readDocumentValue<T>(this.#name, key, value), version };
  }

  get(key: string): Promise<Versioned<T> | undefined> {
    return this.#guard(`${this.#name}.get`, async () => {
      const raw = await this.#redis.hget(this.#hash, key);
      return raw === null ? undefined : this.#versioned(key, raw);
    });
  }

  put(key: string, value: T, expectedVersion: number | null): Promise<CasResult<T>> {
    const operation = `${this.#name}.put`;
    return this.#guard(operation, async (): Promise<CasResult<T>> => {
      checkKey(operation, 'key', key);
      if (expectedVersion !== null) checkInteger(operation, 'expectedVersion', expectedVersion, 1);
      const json = toJson(operation, 'value', value);
      const reply = asArray(
        await run(this.#redis, lua.PUT_DOC, [this.#hash], [key, expectedVersion ?? '', json]),
        operation,
      );
      if (asNumber(reply[0], operation) === 1) return { ok: true, version: asNumber(reply[1], operation) };
      const current = reply[1];
      return { ok: false, current: typeof current === 'string' ? this.#versioned(key, current) : undefined };
    });
  }

  delete(key: string, expectedVersion: number | null): Promise<boolean> {
    return this.#guard(`${this.#name}.delete`, async () => {
      const reply = await run(this.#redis, lua.DELETE_DOC, [this.#hash], [key, expectedVersion ?? '']);
      return asNumber(reply, `${this.#name}.delete`) === 1;
    });
  }

  list(prefix = ''): Promise<Array<Versioned<T> & { readonly key: string }>> {
    return this.#guard(`${this.#name}.list`, async () => {
      // HSCAN in pages (never one huge HGETALL blocking Redis); a scan may repeat a field, hence the map.
      const found = new Map<string, string>();
      const match = `${escapeGlob(prefix)}*`;
      let cursor = '0';
      do {
        const [next, flat] = await this.#redis.hscan(this.#hash, cursor, 'MATCH', match, 'COUNT', 1000);
        for (let i = 0; i + 1 < flat.length; i += 2) {
          const field = flat[i];
          const raw = flat[i + 1];
          if (field !== undefined && raw !== undefined) found.set(field, raw);
        }
        cursor = next;
      } while (cursor !== '0');
      return [...found.keys()]
        .sort(compareKeys)
        .map((key) => ({ key, ...this.#versioned(key, found.get(key) ?? '') }));
    });
  }

  listPage(options: ListPageOptions): Promise<DocumentPage<T>> {
    return this.#guard(`${this.#name}.listPage`, async () => {
      const { prefix = '', after = '', limit } = options;
      checkInteger(`${this.#name}.listPage`, 'limit', limit, 1);
      // Two round trips whatever the size: the field names (~40 bytes each), then only the page's
      // documents. A hash has no order, so the keys are sorted here (the order SQLite gives).
      const keys = (await this.#redis.hkeys(this.#hash))
        .filter((key) => key.startsWith(prefix) && compareKeys(key, after) > 0)
        .sort(compareKeys);
      const pageKeys = keys.slice(0, limit);
      if (pageKeys.length === 0) return { items: [] };
      const raws = await this.#redis.hmget(this.#hash, ...pageKeys);
      const items = pageKeys.flatMap((key, i) => {
        const raw = raws[i];
        // Deleted between the two reads: left out, as if listed a moment later.
        return typeof raw === 'string' ? [{ key, ...this.#versioned(key, raw) }] : [];
      });
      const last = pageKeys.at(-1);
      return keys.length > limit && last !== undefined ? { items, next: last } : { items };
    });
  }
}

/** An inbox entry as stored: the event and when it was added (attempts are counted apart, in a hash). */
function inboxJson(operation: string, event: unknown, createdAt: number): string {
  return toJson(operation, 'event', { event, createdAt });
}

function toOutboxMessage(row: unknown[]): OutboxMessage {
  const [id, channel, payload, dueAt, createdAt, attempts, lastError] = row;
  if (typeof id !== 'string' || typeof channel !== 'string' || typeof payload !== 'string') {
    throw new Error('an outbox message hash is missing fields');
  }
  const message: OutboxMessage = {
    id,
    channel,
    payload: JSON.parse(payload) as unknown,
    dueAt: asNumber(dueAt, 'dueAt'),
    createdAt: asNumber(createdAt, 'createdAt'),
    attempts: asNumber(attempts, 'attempts'),
  };
  return typeof lastError === 'string' ? { ...message, lastError } : message;
}
