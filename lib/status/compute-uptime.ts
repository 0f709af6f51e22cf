import type { HistoryEntry, StoredSnapshot } from '../store/store.js';

export interface Uptime {
  readonly windowMs: number;
  /** Part of the window the history says something about (the history is capped per task). */
  readonly knownMs: number;
  readonly upMs: number;
  /** upMs / knownMs; absent when nothing is known. */
  readonly ratio?: number;
}

const UP_STATES = new Set(['running', 'started']);
/** History types that mean "running" even without a state in their data. */
const RUNNING_TYPES = new Set(['recovered', 'restart-ok', 'resumed']);

interface Point {
  readonly at: number;
  readonly state: string;
}

/**
 * Uptime over `[now − windowMs, now]` from what livewatch recorded: every history entry that names
 * a state (callbacks, verifications, decisions) starts a segment in that state, and the snapshot's
 * `stateSince` is the last word (the state has held since then). Time before the first known point
 * is unknown and left out of the ratio, so a young or capped history does not count as downtime.
 */
export function computeUptime(
  history: readonly HistoryEntry[],
  snapshot: StoredSnapshot | undefined,
  now: number,
  windowMs: number,
): Uptime {
  const points = statePoints(history, snapshot);
  const start = now - windowMs;
  let knownMs = 0;
  let upMs = 0;
  for (let i = 0; i < points.length; i += 1) {
    const point = points[i] as Point;
    const from = Math.max(point.at, start);
    const to = Math.min(points[i + 1]?.at ?? now, now);
    if (to <= from) continue;
    knownMs += to - from;
    if (UP_STATES.has(point.state)) upMs += to - from;
  }
  return { windowMs, knownMs, upMs, ...(knownMs > 0 ? { ratio: upMs / knownMs } : {}) };
}

function statePoints(history: readonly HistoryEntry[], snapshot: StoredSnapshot | undefined): Point[] {
  const since = snapshot?.stateSince;
  const points: Point[] = [];
  for (const entry of history) {
    const state = typeof entry.data?.state === 'string' ? entry.data.state : undefined;
    const effective = RUNNING_TYPES.has(entry.type) ? 'running' : state;
    if (effective === undefined) continue;
    // The snapshot's state has held since `stateSince`: later entries cannot contradict it.
    if (since !== undefined && entry.at > since) continue;
    points.push({ at: entry.at, state: effective });
  }
  if (snapshot) points.push({ at: snapshot.stateSince, state: snapshot.resource.state });
  return points.sort((a, b) => a.at - b.at);
}
