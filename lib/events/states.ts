import type { RecordState, RelayState, TranscodeState } from './resources.js';

/**
 * The one place where the APIs' status numbers and strings become livewatch states.
 * Relay TaskStatus (DescribeLivePullToPushList): 0 not started, 1 running, 2 abnormal and
 * retrying, 3 stopped, -1 exited. Record Status (ListLiveRecordJobs): initial, started, paused.
 * Transcode Status (ListLiveTranscodeJobs): 0 not started, 1 in progress, 2 stopped.
 */
/** Relay TaskStatus and its state, one table read both ways. */
const RELAY_STATUS: Readonly<Record<RelayState, number>> = {
  idle: 0,
  running: 1,
  recovering: 2,
  offline: 3,
  exited: -1,
};
const RELAY_BY_STATUS = new Map(
  Object.entries(RELAY_STATUS).map(([state, status]) => [status, state as RelayState]),
);

export function relayStateOf(status: number): RelayState {
  // -1 and anything the API adds later that we cannot act on.
  return RELAY_BY_STATUS.get(status) ?? 'exited';
}

export function relayStatusOf(state: RelayState): number {
  return RELAY_STATUS[state];
}

const RECORD_WIRE_STATES: ReadonlySet<string> = new Set<RecordState>(['initial', 'started', 'paused']);

export function recordStateOf(status: string): RecordState {
  return RECORD_WIRE_STATES.has(status) ? (status as RecordState) : 'gone';
}

/** Transcode Status 0, 1, 2 by index. */
const TRANSCODE_BY_STATUS: readonly TranscodeState[] = ['not-started', 'running', 'stopped'];

export function transcodeStateOf(status: number): TranscodeState {
  // An index outside the table (or not a whole number) reads undefined: a status we do not know.
  return TRANSCODE_BY_STATUS[status] ?? 'gone';
}

/** Whether a state is one livewatch considers unhealthy (worth a warning or worse). */
export function isUnhealthy(state: string): boolean {
  return (
    state === 'recovering' ||
    state === 'offline' ||
    state === 'paused' ||
    state === 'stopped' ||
    state === 'gone'
  );
}
