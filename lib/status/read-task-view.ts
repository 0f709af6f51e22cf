import type { Config } from '../config/config.js';
import { type ResourceKind, resourceKey } from '../events/resources.js';
import { noticeHistoryKey } from '../notify/notice-history-key.js';
import { redact } from '../redact.js';
import { policyFromConfig } from '../remediate/remediation-policy.js';
import type { HistoryEntry, Store, StoredSnapshot } from '../store/store.js';
import { computeUptime, type Uptime } from './compute-uptime.js';
import { type TaskRow, toTaskRow } from './task-row.js';

const DAY_MS = 86_400_000;
/** The whole capped history (lib/store keeps 200 entries per resource by default). */
const HISTORY_READ = 500;

export type TimelineCategory =
  | 'event'
  | 'verification'
  | 'decision'
  | 'restart'
  | 'resume'
  | 'recovery'
  | 'notice'
  | 'operator'
  | 'other';

export interface TimelineEntry {
  readonly at: number;
  readonly type: string;
  readonly category: TimelineCategory;
  readonly message: string;
  readonly source?: string;
  readonly reason?: string;
  readonly state?: string;
  /** Who did it, for operator actions (`livewatch task clear`, `breaker reset`, `restart`). */
  readonly actor?: string;
  readonly resumed?: { readonly fileIndex: number; readonly offset: number };
  readonly newTaskId?: string;
}

export interface TaskView {
  readonly now: number;
  readonly row: TaskRow;
  /** Safe facts about the resource: never a URL (auth keys, the callback token). */
  readonly details: Readonly<Record<string, string | number>>;
  /** Earlier TaskIds of this task, oldest first (Restart may return a new TaskId). */
  readonly lineage: readonly string[];
  readonly escalatedAt?: number;
  readonly uptime: { readonly day: Uptime; readonly week: Uptime };
  /** Newest first. */
  readonly timeline: readonly TimelineEntry[];
}

const CATEGORY: Readonly<Record<string, TimelineCategory>> = {
  event: 'event',
  alert: 'event',
  enrolled: 'event',
  gone: 'event',
  verify: 'verification',
  skip: 'decision',
  wait: 'decision',
  'gave-up': 'decision',
  'would-restart': 'decision',
  breaker: 'decision',
  restart: 'restart',
  'restart-failed': 'restart',
  'restart-unknown': 'restart',
  'restart-unconfirmed': 'restart',
  'restart-ok': 'recovery',
  resume: 'resume',
  recovered: 'recovery',
  resumed: 'recovery',
  notice: 'notice',
  notified: 'notice',
  silenced: 'notice',
  operator: 'operator',
};

/** The store key of a task or job by its id alone (the page's URL has no kind or region). */
export async function findTaskKey(store: Store, config: Config, id: string): Promise<string | undefined> {
  if (!/^[A-Za-z0-9_.-]{1,128}$/.test(id)) return undefined;
  const keys: string[] = [];
  const add = (kind: ResourceKind, regions: readonly string[]) => {
    for (const region of regions) keys.push(resourceKey({ kind, region, id }));
  };
  add('relay', config.LIVEWATCH_LIVE_REGIONS);
  add('record', config.LIVEWATCH_ICE_REGIONS);
  add('transcode', config.LIVEWATCH_ICE_REGIONS);
  const found = await Promise.all(
    keys.map(async (key) =>
      ((await store.snapshots.get(key)) ?? (await store.ledgers.get(key))) ? key : undefined,
    ),
  );
  return found.find((key) => key !== undefined);
}

/**
 * A task's page from the store only: the row, safe details, lineage, uptime over 24 h and 7 d
 * computed from the history, and the timeline (newest first). Bounded reads: one snapshot, one
 * ledger, one capped history.
 */
export async function readTaskView(
  store: Store,
  config: Config,
  key: string,
  now: number,
): Promise<TaskView> {
  const [snapshot, ledger, history, notices] = await Promise.all([
    store.snapshots.get(key),
    store.ledgers.get(key),
    store.getHistory(key, HISTORY_READ),
    store.getHistory(noticeHistoryKey(key), HISTORY_READ),
  ]);
  const row = toTaskRow(key, snapshot?.value, ledger?.value, policyFromConfig(config), now);
  return {
    now,
    row,
    details: detailsOf(snapshot?.value),
    lineage: ledger?.value.lineage ?? [],
    ...(ledger?.value.escalatedAt === undefined ? {} : { escalatedAt: ledger.value.escalatedAt }),
    uptime: {
      day: computeUptime(history, snapshot?.value, now, DAY_MS),
      week: computeUptime(history, snapshot?.value, now, 7 * DAY_MS),
    },
    timeline: [...history, ...notices].sort((a, b) => b.at - a.at).map(toTimelineEntry),
  };
}

function toTimelineEntry(entry: HistoryEntry): TimelineEntry {
  const data = entry.data ?? {};
  const text = (name: string): string | undefined =>
    typeof data[name] === 'string' ? redact(data[name] as string) : undefined;
  const resumed = data.resumed as { fileIndex?: unknown; offset?: unknown } | undefined;
  const source = text('source');
  const reason = text('reason') ?? text('invalidReason');
  const state = text('state');
  const actor = text('actor');
  const newTaskId = text('newTaskId');
  return {
    at: entry.at,
    type: entry.type,
    category: CATEGORY[entry.type] ?? 'other',
    // History messages quote API errors and reasons: mask anything secret that slipped into one.
    message: redact(entry.message),
    ...(source ? { source } : {}),
    ...(reason ? { reason } : {}),
    ...(state ? { state } : {}),
    ...(actor ? { actor } : {}),
    ...(newTaskId ? { newTaskId } : {}),
    ...(typeof resumed?.fileIndex === 'number' && typeof resumed.offset === 'number'
      ? { resumed: { fileIndex: resumed.fileIndex, offset: resumed.offset } }
      : {}),
  };
}

function detailsOf(snapshot: StoredSnapshot | undefined): Record<string, string | number> {
  if (!snapshot) return {};
  const r = snapshot.resource;
  const picked: Record<string, string | number | undefined> =
    r.kind === 'relay'
      ? {
          status: r.status,
          sourceType: r.sourceType,
          sourceProtocol: r.sourceProtocol,
          startTime: r.startTime,
          endTime: r.endTime,
          currentFileIndex: r.currentFileIndex,
          currentOffset: r.currentOffset,
          retryCount: r.retryCount,
          retryInterval: r.retryInterval,
          exitReason: r.exitReason,
        }
      : { status: r.status, createTime: r.createTime, templateId: r.templateId };
  return Object.fromEntries(
    Object.entries(picked)
      .filter((entry): entry is [string, string | number] => entry[1] !== undefined)
      .map(([name, value]) => [name, typeof value === 'string' ? redact(value) : value]),
  );
}
