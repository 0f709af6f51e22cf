import { hostOf } from '../../lib/url-host.js';
import type { FaultState } from './faults.js';

/** Record job Status strings (ListLiveRecordJobs). */
export type RecordStatus = 'initial' | 'started' | 'paused';
/** Transcode job Status numbers (ListLiveTranscodeJobs): 0 not started, 1 running, 2 stopped. */
export type TranscodeStatus = 0 | 1 | 2;

/** An ICE live record job. Tests may set `status` directly on the object `addRecordJob` returns. */
export interface EmulatedRecordJob {
  jobId: string;
  region: string;
  name: string;
  status: RecordStatus;
  createdAt: number;
  notifyUrl: string;
  templateId: string;
  templateName: string;
  streamUrl: string;
  output: { type: 'oss' | 'vod'; bucket: string; endpoint: string };
  /** Since when the stream has been failing (a record job pauses after 3 minutes of retries). */
  failingSince: number | undefined;
}

/** An ICE live transcode job. Tests may set `status` directly. */
export interface EmulatedTranscodeJob {
  jobId: string;
  region: string;
  name: string;
  status: TranscodeStatus;
  startMode: 0 | 1;
  createdAt: number;
  templateId: string;
  templateName: string;
  templateType: 'normal' | 'narrow-band' | 'audio-only' | 'origin';
  inputUrl: string;
  outputUrls: string[];
  /** StartMode 1: TimedConfig start/end (epoch ms). */
  timedStartAt: number | undefined;
  timedEndAt: number | undefined;
}

/** A record job whose stream cannot be pulled retries for 3 minutes, then stops recording. */
const RECORD_RETRY_MS = 180_000;

/**
 * The ICE jobs and their (simple) life cycle: a record job follows its stream's health (source
 * faults by host or job id), pausing after 3 minutes of failure and resuming when the stream is
 * back; a scheduled transcode job starts and stops on its TimedConfig.
 */
export class IceJobs {
  readonly records = new Map<string, EmulatedRecordJob>();
  readonly transcodes = new Map<string, EmulatedTranscodeJob>();
  readonly #faults: FaultState;
  readonly #retryMs: number;

  /** `speed` (demo factor, default 1) shortens the 3-minute retry to 3 min / speed. */
  constructor(faults: FaultState, speed = 1) {
    this.#faults = faults;
    this.#retryMs = RECORD_RETRY_MS / speed;
  }

  evaluate(now: number): void {
    for (const job of this.records.values()) {
      const host = hostOf(job.streamUrl);
      const fault = this.#faults.healthOf({
        ids: [job.jobId],
        sourceHosts: host === undefined ? [] : [host],
        dstHost: undefined,
      });
      if (fault === undefined) {
        // Only a pause the emulator caused ends with the fault; a status set by a test stays.
        if (job.status === 'paused' && job.failingSince !== undefined) job.status = 'started';
        job.failingSince = undefined;
        continue;
      }
      job.failingSince = job.failingSince ?? fault.since;
      if (job.status === 'started' && now - job.failingSince >= this.#retryMs) job.status = 'paused';
    }
    for (const job of this.transcodes.values()) {
      if (job.status === 0 && job.timedStartAt !== undefined && now >= job.timedStartAt) job.status = 1;
      if (job.status === 1 && job.timedEndAt !== undefined && now >= job.timedEndAt) job.status = 2;
    }
  }
}

/** A record or transcode job as GetLiveRecordJob / GetLiveTranscodeJob and the listings describe it. */
export function jobView(
  job: EmulatedRecordJob | EmulatedTranscodeJob,
  formatTime: (ms: number) => string,
): Record<string, unknown> {
  const common = {
    JobId: job.jobId,
    Name: job.name,
    Status: job.status,
    CreateTime: formatTime(job.createdAt),
    TemplateId: job.templateId,
    TemplateName: job.templateName,
  };
  if ('streamUrl' in job) {
    return {
      ...common,
      NotifyUrl: job.notifyUrl,
      StreamInput: { Type: 'rtmp', Url: job.streamUrl },
      RecordOutput: { Type: job.output.type, Bucket: job.output.bucket, Endpoint: job.output.endpoint },
    };
  }
  return {
    ...common,
    StartMode: job.startMode,
    TemplateType: job.templateType,
    StreamInput: { Type: 'rtmp', InputUrl: job.inputUrl },
    OutputStream: { StreamInfos: job.outputUrls.map((url) => ({ Type: 'rtmp', OutputUrl: url })) },
  };
}
