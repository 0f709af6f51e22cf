import type { AliyunClient } from '../aliyun/api.js';
import { classifyCallbackUrl } from '../callback/callback-url.js';
import { AliyunApiError, describeError, ValidationError } from '../errors.js';
import { type RelayTask, refOf, resourceKey } from '../events/resources.js';
import type { Store } from '../store/store.js';
import { hostForLog } from '../url-host.js';

export type EnrolMode = 'off' | 'missing' | 'takeover';

export interface EnrolPolicy {
  readonly mode: EnrolMode;
  /** LIVEWATCH_CALLBACK_BASE_URL; enrolment is off without it. */
  readonly baseUrl: string | undefined;
  /** LIVEWATCH_CALLBACK_TOKENS: the first is given to tasks, any is accepted. */
  readonly tokens: readonly string[];
  /** livewatch's callback URL for a task of this region. */
  readonly callbackUrlFor: (region: string) => string;
  /**
   * Where the receiver files a callback whose URL has no `?region=` (the first LIVEWATCH_LIVE_REGIONS
   * entry): such a URL on a task of another region is re-enrolled with the task's region.
   */
  readonly defaultRegion?: string | undefined;
}

export type EnrolAction = 'enrol' | 'takeover' | 'none';

/**
 * What enrolment would do with a task: give livewatch's URL to a task without one (or with a
 * rotated-out livewatch token, or livewatch's URL for another region), take over another receiver's URL only in `takeover` mode, and
 * leave alone tasks already reporting to livewatch and exited tasks (Update is pointless there).
 */
export function enrolActionFor(task: RelayTask, policy: EnrolPolicy): EnrolAction {
  if (policy.mode === 'off' || policy.baseUrl === undefined || policy.tokens.length === 0) return 'none';
  if (task.state === 'exited') return 'none';
  switch (
    classifyCallbackUrl(task.callbackUrl, policy.baseUrl, policy.tokens, task.region, policy.defaultRegion)
  ) {
    case 'ours':
      return 'none';
    case 'missing':
    case 'ours-stale':
      return 'enrol';
    case 'foreign':
      return policy.mode === 'takeover' ? 'takeover' : 'none';
  }
}

export interface EnrolmentResult {
  readonly taskId: string;
  readonly region: string;
  readonly action: 'enrol' | 'takeover';
  readonly ok: boolean;
  /** Secret-free description of a failure. */
  readonly error?: string;
}

/**
 * Points a task's CallbackUrl at livewatch with UpdateLivePullToPush (only Region, TaskId and
 * CallbackUrl: the one change allowed while a task runs). For a takeover the original URL is stored
 * in Store.forwards FIRST, so that every callback arriving after the update is forwarded to the
 * owner's receiver. Records an `enrolled` history entry. Failures are returned, never thrown,
 * except store outages (the sweep cannot go on without its store).
 */
export async function enrolRelayTask(
  deps: { readonly client: AliyunClient; readonly store: Store; readonly now: () => number },
  task: RelayTask,
  action: 'enrol' | 'takeover',
  policy: EnrolPolicy,
): Promise<EnrolmentResult> {
  const key = resourceKey(refOf(task));
  const base = { taskId: task.taskId, region: task.region, action } as const;
  const original = task.callbackUrl;
  if (action === 'takeover' && original !== undefined) {
    const existing = await deps.store.forwards.get(key);
    if (existing?.value.originalUrl !== original) {
      const put = await deps.store.forwards.put(
        key,
        { originalUrl: original, since: deps.now() },
        existing?.version ?? null,
      );
      if (!put.ok)
        return { ...base, ok: false, error: 'the forward target changed concurrently; retried next sweep' };
    }
  }
  try {
    await deps.client.updateRelayTask({
      region: task.region,
      taskId: task.taskId,
      callbackUrl: policy.callbackUrlFor(task.region),
    });
  } catch (error) {
    // API refusals (task gone, not allowed in this state) and requests the client rejects are reported.
    if (error instanceof AliyunApiError || error instanceof ValidationError) {
      return { ...base, ok: false, error: describeError(error) };
    }
    throw error;
  }
  await deps.store.appendHistory(key, {
    at: deps.now(),
    type: 'enrolled',
    message:
      action === 'takeover'
        ? 'callback URL taken over by livewatch; callbacks are forwarded to the original receiver'
        : 'callback URL set to livewatch',
    data: {
      action,
      previous: original === undefined ? 'none' : hostForLog(original),
      // The state it was enrolled in: the status page's uptime starts counting here.
      state: task.state,
    },
  });
  return { ...base, ok: true };
}
