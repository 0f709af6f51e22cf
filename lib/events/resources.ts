import { z } from 'zod';
/**
 * The resources livewatch watches, normalised from the API's PascalCase responses. The API's
 * numbers and strings map to states in one place: `states.ts`.
 */
export const RESOURCE_KINDS = ['relay', 'record', 'transcode'] as const;
export type ResourceKind = (typeof RESOURCE_KINDS)[number];

/** The one list of each kind's states (the CLI's filters, the status page and the schemas use them). */
export const RELAY_STATES = ['idle', 'running', 'recovering', 'offline', 'exited'] as const;
const RECORD_STATES = ['initial', 'started', 'paused', 'gone'] as const;
const TRANSCODE_STATES = ['not-started', 'running', 'stopped', 'gone'] as const;
export type RelayState = (typeof RELAY_STATES)[number];
export type RecordState = (typeof RECORD_STATES)[number];
export type TranscodeState = (typeof TRANSCODE_STATES)[number];
export type TaskState = RelayState | RecordState | TranscodeState;
/** Every state of every kind, each once. */
export const TASK_STATES = [
  ...new Set<TaskState>([...RELAY_STATES, ...RECORD_STATES, ...TRANSCODE_STATES]),
] as [TaskState, ...TaskState[]];

export const ResourceRefSchema = z.object({
  kind: z.enum(RESOURCE_KINDS),
  id: z.string().min(1).max(256),
  region: z.string().min(1).max(64),
  name: z.string().max(1024).optional(),
});
export type ResourceRef = Readonly<z.infer<typeof ResourceRefSchema>>;

/** A pull-to-push relay task as returned by DescribeLivePullToPush(List). */
export interface RelayTask {
  readonly kind: 'relay';
  readonly taskId: string;
  readonly region: string;
  /** The API's TaskStatus: 0 not started, 1 running, 2 abnormal (retrying), 3 stopped, -1 exited. */
  readonly status: number;
  readonly state: RelayState;
  readonly invalidReason?: string;
  readonly exitReason?: string;
  /** Unix seconds. */
  readonly exitTime?: number;
  readonly currentOffset?: number;
  readonly currentFileIndex?: number;
  readonly name?: string;
  /** UTC `yyyy-MM-ddTHH:mm:ssZ`. */
  readonly startTime?: string;
  readonly endTime?: string;
  readonly sourceType?: string;
  readonly sourceProtocol?: string;
  readonly sourceUrls: readonly string[];
  readonly dstUrl?: string;
  /** From `TaskInfo.CallbackURL` (capital URL in responses). */
  readonly callbackUrl?: string;
  readonly retryCount?: number;
  readonly retryInterval?: number;
  readonly repeatNumber?: number;
  readonly offset?: number;
  readonly fileIndex?: number;
}

/** An ICE live record job (ListLiveRecordJobs). */
export interface RecordJob {
  readonly kind: 'record';
  readonly jobId: string;
  readonly region: string;
  /** `initial`, `started` or `paused`. */
  readonly status: string;
  readonly state: RecordState;
  readonly name?: string;
  readonly createTime?: string;
  readonly streamUrl?: string;
  readonly notifyUrl?: string;
  readonly templateId?: string;
}

/** An ICE live transcode job (ListLiveTranscodeJobs). */
export interface TranscodeJob {
  readonly kind: 'transcode';
  readonly jobId: string;
  readonly region: string;
  /** 0 not started, 1 running, 2 stopped. */
  readonly status: number;
  readonly state: TranscodeState;
  readonly name?: string;
  readonly startMode?: number;
  readonly createTime?: string;
  readonly inputUrl?: string;
  readonly outputUrls: readonly string[];
  readonly templateId?: string;
}

export type Resource = RelayTask | RecordJob | TranscodeJob;

export function refOf(resource: Resource): ResourceRef {
  const id = resource.kind === 'relay' ? resource.taskId : resource.jobId;
  return resource.name === undefined
    ? { kind: resource.kind, id, region: resource.region }
    : { kind: resource.kind, id, region: resource.region, name: resource.name };
}

/** The store key of a resource: `relay:cn-shanghai:<taskId>`. */
export function resourceKey(ref: Pick<ResourceRef, 'kind' | 'region' | 'id'>): string {
  return `${ref.kind}:${ref.region}:${ref.id}`;
}

/** Parses a key made by `resourceKey`. */
export function parseResourceKey(key: string): Pick<ResourceRef, 'kind' | 'region' | 'id'> | undefined {
  const match = /^(relay|record|transcode):([^:]+):(.+)$/.exec(key);
  if (!match?.[1] || !match[2] || !match[3]) return undefined;
  return { kind: match[1] as ResourceKind, region: match[2], id: match[3] };
}
