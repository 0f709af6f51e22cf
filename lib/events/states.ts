import type { RecordState, RelayState, TranscodeState } from './resources.js';

/**
 * The one place where the APIs' status numbers and strings become livewatch states.
 * Relay TaskStatus (DescribeLivePullToPushList): 0 not started, 1 running, 2 abnormal and
 * retrying, 3 stopped, -1 exited. Record Status (ListLiveRecordJobs): initial, started, paused.
 * Transcode Status (ListLiveTranscodeJobs): 0 not started, 1 in progress, 2 stopped.
 */
export function relayStateOf(status: number): RelayState {
  switch (status) {
    case 0:
      return 'idle';
    case 1:
      return 'running';
    case 2:
      return 'recovering';
    case 3:
      return 'offline';
    default:
      // -1 and anything the API adds later that we cannot act on.
      return 'exited';
  }
}

export function relayStatusOf(state: RelayState): number {
  return { idle: 0, running: 1, recovering: 2, offline: 3, exited: -1 }[state];
}

export function recordStateOf(status: string): RecordState {
  switch (status) {
    case 'initial':
    case 'started':
    case 'paused':
      return status;
    default:
      return 'gone';
  }
}

export function transcodeStateOf(status: number): TranscodeState {
  switch (status) {
    case 0:
      return 'not-started';
    case 1:
      return 'running';
    case 2:
      return 'stopped';
    default:
      return 'gone';
  }
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
