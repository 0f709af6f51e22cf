import pkg from '../../package.json' with { type: 'json' };
import type { Config } from '../config/config.js';
import { policyFromConfig } from '../remediate/remediation-policy.js';
import type { BreakerState, OutboxStats, Silence, Store } from '../store/store.js';
import { compareAttention, type TaskRow, toTaskRow } from './task-row.js';

/** Snapshots read per store call while counting: bounded memory and bounded replies. */
export const SCAN_PAGE = 1_000;
/** Attention rows shown on the overview; the task list has the rest (filter `attention`). */
const ATTENTION_SHOWN = 50;

export interface Overview {
  readonly now: number;
  readonly version: string;
  readonly total: number;
  /** Counts by kind, then state: `{relay: {running: 20, offline: 3}, record: {...}}`. */
  readonly byKindState: Readonly<Record<string, Readonly<Record<string, number>>>>;
  readonly byRegion: Readonly<Record<string, { total: number; unhealthy: number; needsPerson: number }>>;
  /** Needs a person first, then the longest unhealthy; at most ATTENTION_SHOWN. */
  readonly attention: readonly TaskRow[];
  readonly attentionTotal: number;
  readonly breakers: ReadonlyArray<BreakerState & { readonly failuresInWindow: number }>;
  /** Silences active now or starting later (`livewatch silence add`), soonest ending first. */
  readonly silences: ReadonlyArray<Silence & { readonly active: boolean }>;
  readonly heartbeat: {
    readonly lastSuccessAt?: number;
    readonly ageS?: number;
    readonly stale: boolean;
    readonly lastError?: string;
  };
  readonly outbox: OutboxStats;
}

/**
 * The overview, from the store only (no API call). Counting needs every snapshot once: they are read
 * in pages of SCAN_PAGE, tallied and dropped, so memory stays flat at 10,000 tasks; ledgers and
 * breakers are small collections read whole. Cost per kind of store in `bench/status-page.ts`.
 * @example const overview = await readOverview(store, config, clock.now());
 */
export async function readOverview(store: Store, config: Config, now: number): Promise<Overview> {
  const policy = policyFromConfig(config);
  const ledgers = new Map((await store.ledgers.list()).map((doc) => [doc.key, doc.value]));
  const byKindState: Record<string, Record<string, number>> = {};
  const byRegion: Record<string, { total: number; unhealthy: number; needsPerson: number }> = {};
  const attention: TaskRow[] = [];
  const seen = new Set<string>();
  let total = 0;
  let after: string | undefined;
  do {
    const page = await store.snapshots.listPage({ limit: SCAN_PAGE, ...(after ? { after } : {}) });
    for (const { key, value } of page.items) {
      const row = toTaskRow(key, value, ledgers.get(key), policy, now);
      seen.add(key);
      total += 1;
      const states = byKindState[row.kind] ?? {};
      byKindState[row.kind] = states;
      states[row.state] = (states[row.state] ?? 0) + 1;
      const region = byRegion[row.region] ?? { total: 0, unhealthy: 0, needsPerson: 0 };
      byRegion[row.region] = region;
      region.total += 1;
      if (row.unhealthy) region.unhealthy += 1;
      if (row.needsPerson) region.needsPerson += 1;
      if (needsAttention(row)) attention.push(row);
    }
    after = page.next;
  } while (after !== undefined);
  // A ledger without a snapshot (the task vanished mid-episode) still needs to be seen.
  for (const [key, ledger] of ledgers) {
    if (seen.has(key)) continue;
    const row = toTaskRow(key, undefined, ledger, policy, now);
    if (needsAttention(row)) attention.push(row);
  }
  attention.sort(compareAttention);
  return {
    now,
    version: pkg.version,
    total,
    byKindState,
    byRegion,
    attention: attention.slice(0, ATTENTION_SHOWN),
    attentionTotal: attention.length,
    breakers: await readBreakers(store, policy.breakerWindowMs, now),
    silences: await readSilences(store, now),
    heartbeat: await readHeartbeat(store, config, now),
    outbox: await store.outboxStats(),
  };
}

/** Unhealthy, waiting for a person, or with a re-check scheduled. */
export function needsAttention(row: TaskRow): boolean {
  return row.unhealthy || row.needsPerson || row.nextCheckAt !== undefined || row.unsure !== undefined;
}

async function readBreakers(store: Store, windowMs: number, now: number): Promise<Overview['breakers']> {
  return (await store.breakers.list())
    .map(({ value }) => ({
      ...value,
      failuresInWindow: value.failures.filter((at) => at > now - windowMs).length,
    }))
    .filter((breaker) => breaker.state !== 'closed' || breaker.failuresInWindow > 0);
}

/** Expired silences are history: only the active and the upcoming are shown. */
async function readSilences(store: Store, now: number): Promise<Overview['silences']> {
  return (await store.silences.list())
    .map(({ value }) => ({ ...value, active: value.startsAt <= now && now < value.endsAt }))
    .filter((silence) => silence.endsAt > now)
    .sort((a, b) => a.endsAt - b.endsAt || a.id.localeCompare(b.id));
}

async function readHeartbeat(store: Store, config: Config, now: number): Promise<Overview['heartbeat']> {
  const heartbeat = await store.getHeartbeat();
  const ageMs = heartbeat === undefined ? undefined : now - heartbeat.lastSuccessAt;
  return {
    ...(heartbeat ? { lastSuccessAt: heartbeat.lastSuccessAt } : {}),
    ...(ageMs === undefined ? {} : { ageS: Math.round(ageMs / 1000) }),
    stale: ageMs === undefined || ageMs > config.LIVEWATCH_HEARTBEAT_MAX_AGE_S * 1000,
    ...(heartbeat?.lastError ? { lastError: heartbeat.lastError } : {}),
  };
}
