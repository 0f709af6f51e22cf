import { z } from 'zod';
import type { Config } from '../config/config.js';
import { ValidationError } from '../errors.js';
import { type ResourceKind, resourceKey } from '../events/resources.js';
import { policyFromConfig } from '../remediate/remediation-policy.js';
import type { RestartLedger, Store, StoredSnapshot } from '../store/store.js';
import { zodIssues } from '../zod-issues.js';
import { needsAttention } from './read-overview.js';
import { type TaskRow, toTaskRow } from './task-row.js';

/** Snapshots one request may look at: the page stays fast at any size, the next page continues. */
export const MAX_SCANNED = 5_000;
const SCAN_PAGE = 1_000;

const optionalText = (max: number) =>
  z.preprocess((value) => (value === '' ? undefined : value), z.string().max(max).optional());

/** The task list's filters, as the page's form and the JSON API's query take them. */
export const TaskQuerySchema = z.object({
  kind: z.preprocess((v) => (v === '' ? undefined : v), z.enum(['relay', 'record', 'transcode']).optional()),
  region: optionalText(32).refine((v) => v === undefined || /^[a-z0-9-]+$/.test(v), 'must be a region id'),
  /** A state name, or `attention` (unhealthy, needs a person or re-check scheduled), or `needs-person`. */
  state: optionalText(32).refine((v) => v === undefined || /^[a-z-]+$/.test(v), 'must be a state name'),
  host: optionalText(253).transform((v) => v?.toLowerCase()),
  /** An exact id, or part of a name or id (case-insensitive). */
  q: optionalText(128),
  /** The key the previous page ended at. */
  after: optionalText(300),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
export type TaskQuery = z.infer<typeof TaskQuerySchema>;

export interface TaskPage {
  readonly query: TaskQuery;
  readonly rows: readonly TaskRow[];
  /** Pass as `after` for the next page; absent on the last one. */
  readonly next?: string;
  readonly scanned: number;
}

/** Validates query parameters (strings) into a TaskQuery; a bad one is a 400 naming the parameter. */
export function parseTaskQuery(params: Readonly<Record<string, string>>): TaskQuery {
  const parsed = TaskQuerySchema.safeParse({ ...params });
  if (!parsed.success) throw new ValidationError('task list query', zodIssues(parsed.error));
  return parsed.data;
}

/**
 * One page of the task list, from the store only. Walks snapshots in key order from `after`, at most
 * MAX_SCANNED per request (a narrow filter over many tasks continues on the next page rather than
 * reading them all), and reads ledgers only for the rows shown — or all ledgers for `needs-person`.
 * @example const page = await listTasks(store, config, parseTaskQuery({ state: 'offline' }), now);
 */
export async function listTasks(
  store: Store,
  config: Config,
  query: TaskQuery,
  now: number,
): Promise<TaskPage> {
  const policy = policyFromConfig(config);
  const people = query.state === 'needs-person' || query.state === 'attention';
  const ledgerMap = people ? new Map((await store.ledgers.list()).map((d) => [d.key, d.value])) : undefined;
  const ledgerOf = async (key: string): Promise<RestartLedger | undefined> =>
    ledgerMap ? ledgerMap.get(key) : (await store.ledgers.get(key))?.value;

  const exact =
    query.q !== undefined && query.after === undefined ? await findById(store, config, query) : [];
  const rows: TaskRow[] = [];
  for (const [key, snapshot] of exact) rows.push(toTaskRow(key, snapshot, await ledgerOf(key), policy, now));
  const prefix = query.kind ? (query.region ? `${query.kind}:${query.region}:` : `${query.kind}:`) : '';
  let after = query.after;
  let scanned = 0;
  let next: string | undefined;
  // Without a filter every snapshot is a row: read just the page (bounded reads at any size).
  const filtered =
    query.state !== undefined ||
    query.host !== undefined ||
    query.q !== undefined ||
    query.region !== undefined;
  const scanPage = filtered ? SCAN_PAGE : query.limit - rows.length;
  while (rows.length < query.limit && scanned < MAX_SCANNED) {
    const limit = Math.min(scanPage, MAX_SCANNED - scanned);
    const page = await store.snapshots.listPage({ prefix, limit, ...(after ? { after } : {}) });
    next = undefined;
    for (const { key, value } of page.items) {
      scanned += 1;
      next = key;
      if (exact.some(([k]) => k === key) || !matches(query, key, value, ledgerMap?.get(key), policy, now))
        continue;
      rows.push(toTaskRow(key, value, await ledgerOf(key), policy, now));
      if (rows.length >= query.limit) break;
    }
    const stoppedEarly = next !== page.items.at(-1)?.key;
    if (page.next === undefined && !stoppedEarly) return { query, rows, scanned };
    after = next;
  }
  return { query, rows, scanned, ...(next === undefined ? {} : { next }) };
}

function matches(
  query: TaskQuery,
  key: string,
  snapshot: StoredSnapshot,
  ledger: RestartLedger | undefined,
  policy: ReturnType<typeof policyFromConfig>,
  now: number,
): boolean {
  const resource = snapshot.resource;
  if (query.region && resource.region !== query.region) return false;
  if (query.state) {
    if (query.state === 'needs-person' || query.state === 'attention') {
      const row = toTaskRow(key, snapshot, ledger, policy, now);
      if (query.state === 'needs-person' ? !row.needsPerson : !needsAttention(row)) return false;
    } else if (resource.state !== query.state) return false;
  }
  if (query.host) {
    const row = toTaskRow(key, snapshot, ledger, policy, now);
    if (!row.hosts.includes(query.host)) return false;
  }
  if (query.q) {
    const needle = query.q.toLowerCase();
    const id = resource.kind === 'relay' ? resource.taskId : resource.jobId;
    if (!id.toLowerCase().includes(needle) && !(resource.name ?? '').toLowerCase().includes(needle))
      return false;
  }
  return true;
}

/** An exact id, looked up directly in every kind and region livewatch watches (a few gets). */
async function findById(
  store: Store,
  config: Config,
  query: TaskQuery,
): Promise<Array<[string, StoredSnapshot]>> {
  const id = query.q ?? '';
  if (!/^[A-Za-z0-9_.-]{1,128}$/.test(id)) return [];
  const keys: string[] = [];
  const kinds: ResourceKind[] = query.kind ? [query.kind] : ['relay', 'record', 'transcode'];
  for (const kind of kinds) {
    const regions = kind === 'relay' ? config.LIVEWATCH_LIVE_REGIONS : config.LIVEWATCH_ICE_REGIONS;
    for (const region of regions) {
      if (!query.region || query.region === region) keys.push(resourceKey({ kind, region, id }));
    }
  }
  const found = await Promise.all(
    keys.map(async (key) => [key, (await store.snapshots.get(key))?.value] as const),
  );
  return found.filter((entry): entry is [string, StoredSnapshot] => entry[1] !== undefined);
}
