import type { RecordJob, RelayTask, TranscodeJob } from '../../lib/events/resources.js';
import { recordStateOf, relayStateOf, transcodeStateOf } from '../../lib/events/states.js';
import type { StuckPolicy } from '../../lib/monitor/detect-stuck.js';

/** Builders of normalised resources for the poller's unit tests (what the client's listing yields). */
export function relayTask(init: Partial<RelayTask> & { taskId: string; status: number }): RelayTask {
  return {
    kind: 'relay',
    region: 'cn-shanghai',
    sourceUrls: ['rtmp://source.example.com/app/stream'],
    dstUrl: 'rtmp://push.example.com/live/out',
    startTime: '2025-12-31T00:00:00Z',
    endTime: '2026-02-01T00:00:00Z',
    retryCount: 3,
    retryInterval: 60,
    ...init,
    state: relayStateOf(init.status),
  };
}

export function recordJob(init: Partial<RecordJob> & { jobId: string; status: string }): RecordJob {
  return { kind: 'record', region: 'cn-shanghai', ...init, state: recordStateOf(init.status) };
}

export function transcodeJob(init: Partial<TranscodeJob> & { jobId: string; status: number }): TranscodeJob {
  return {
    kind: 'transcode',
    region: 'cn-shanghai',
    outputUrls: [],
    ...init,
    state: transcodeStateOf(init.status),
  };
}

/** The stuck rules the snapshot tests run under: 10-min offline re-check, 30 s margin on the task's own retries. */
export const STUCK_POLICY: StuckPolicy = {
  idleStartSlackS: 120,
  recordPausedGraceS: 300,
  offlineRecheckS: 600,
  restartNoReasonStops: false,
  retryGrace: { windowOverrideMs: undefined, marginMs: 30_000 },
};
