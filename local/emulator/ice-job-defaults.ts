import type { EmulatedRecordJob, EmulatedTranscodeJob } from './ice-jobs.js';

/** What makes a job itself: its ids (drawn by the caller, in its seeded order) and its creation time. */
export type JobIdentity = Pick<EmulatedRecordJob, 'jobId' | 'templateId' | 'createdAt'>;

/** A started record job in cn-shanghai with every field filled, overridden by `init`. */
export function defaultRecordJob(
  identity: JobIdentity,
  init: Partial<EmulatedRecordJob> = {},
): EmulatedRecordJob {
  return {
    ...identity,
    region: 'cn-shanghai',
    name: 'record',
    status: 'started',
    notifyUrl: '',
    templateName: 'record template',
    streamUrl: 'rtmp://origin-a.example.com/live/record',
    output: { type: 'oss', bucket: 'emulated-bucket', endpoint: 'oss-cn-shanghai.aliyuncs.com' },
    failingSince: undefined,
    ...init,
  };
}

/** A running (status 1) transcode job in cn-shanghai with every field filled, overridden by `init`. */
export function defaultTranscodeJob(
  identity: JobIdentity,
  init: Partial<EmulatedTranscodeJob> = {},
): EmulatedTranscodeJob {
  return {
    ...identity,
    region: 'cn-shanghai',
    name: 'transcode',
    status: 1,
    startMode: 0,
    templateName: 'transcode template',
    templateType: 'normal',
    inputUrl: 'rtmp://origin-a.example.com/live/transcode',
    outputUrls: ['rtmp://push-1.example-cdn.com/transcoded/out'],
    timedStartAt: undefined,
    timedEndAt: undefined,
    ...init,
  };
}
