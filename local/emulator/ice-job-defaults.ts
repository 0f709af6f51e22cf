import type { EmulatedRecordJob, EmulatedTranscodeJob } from './ice-jobs.js';

/** A started record job in cn-shanghai with every field filled, overridden by `init`. */
export function defaultRecordJob(
  ids: () => string,
  now: number,
  init: Partial<EmulatedRecordJob> = {},
): EmulatedRecordJob {
  return {
    jobId: ids(),
    region: 'cn-shanghai',
    name: 'record',
    status: 'started',
    createdAt: now,
    notifyUrl: '',
    templateId: ids(),
    templateName: 'record template',
    streamUrl: 'rtmp://origin-a.example.com/live/record',
    output: { type: 'oss', bucket: 'emulated-bucket', endpoint: 'oss-cn-shanghai.aliyuncs.com' },
    failingSince: undefined,
    ...init,
  };
}

/** A running (status 1) transcode job in cn-shanghai with every field filled, overridden by `init`. */
export function defaultTranscodeJob(
  ids: () => string,
  now: number,
  init: Partial<EmulatedTranscodeJob> = {},
): EmulatedTranscodeJob {
  return {
    jobId: ids(),
    region: 'cn-shanghai',
    name: 'transcode',
    status: 1,
    startMode: 0,
    createdAt: now,
    templateId: ids(),
    templateName: 'transcode template',
    templateType: 'normal',
    inputUrl: 'rtmp://origin-a.example.com/live/transcode',
    outputUrls: ['rtmp://push-1.example-cdn.com/transcoded/out'],
    timedStartAt: undefined,
    timedEndAt: undefined,
    ...init,
  };
}
