import pLimit from 'p-limit';
import type { TaskRef } from '../aliyun/api.js';
import { AliyunApiError } from '../errors.js';
import type { RelayTask } from '../events/resources.js';
import { resourceKey } from '../events/resources.js';
import type { RemediationDeps } from './remediation-deps.js';

export type Verified =
  | { readonly kind: 'task'; readonly task: RelayTask }
  /** The API says the task does not exist (deleted, or exited and cleared). */
  | { readonly kind: 'gone' }
  | { readonly kind: 'error'; readonly error: unknown };

/** Describes in flight at once; the client's limiter keeps the account under its QPS anyway. */
const DESCRIBE_CONCURRENCY = 10;

/**
 * Confirms the current state of relay tasks through the API (a callback is only a hint).
 * Many tasks (≥ LIVEWATCH_VERIFY_LIST_THRESHOLD): one listing sweep per region, then a describe for
 * any task the listing did not contain. Few: a describe per task. Keyed by resourceKey().
 */
export async function verifyRelayTasks(
  deps: Pick<RemediationDeps, 'client' | 'config' | 'log'>,
  refs: readonly TaskRef[],
): Promise<Map<string, Verified>> {
  const results = new Map<string, Verified>();
  const unique = new Map<string, TaskRef>();
  for (const ref of refs) unique.set(resourceKey({ kind: 'relay', ...refOf(ref) }), ref);

  let toDescribe = [...unique.entries()];
  if (unique.size >= deps.config.LIVEWATCH_VERIFY_LIST_THRESHOLD) {
    toDescribe = [];
    const byRegion = new Map<string, Map<string, string>>();
    for (const [key, ref] of unique) {
      const ids = byRegion.get(ref.region) ?? new Map<string, string>();
      ids.set(ref.taskId, key);
      byRegion.set(ref.region, ids);
    }
    for (const [region, ids] of byRegion) {
      const seen = new Set<string>();
      try {
        for await (const task of deps.client.listRelayTasks({ region })) {
          const key = ids.get(task.taskId);
          if (key === undefined) continue;
          results.set(key, { kind: 'task', task });
          seen.add(task.taskId);
        }
      } catch (error) {
        // A failed listing proves nothing about the tasks it did not reach: describe them instead.
        deps.log.warn('verification listing failed; describing tasks one by one', { region, error });
      }
      for (const [taskId, key] of ids) {
        if (!seen.has(taskId)) toDescribe.push([key, { region, taskId }]);
      }
    }
  }

  const limit = pLimit(DESCRIBE_CONCURRENCY);
  await Promise.all(
    toDescribe.map(([key, ref]) =>
      limit(async () => {
        results.set(key, await describeOne(deps, ref));
      }),
    ),
  );
  return results;
}

async function describeOne(deps: Pick<RemediationDeps, 'client'>, ref: TaskRef): Promise<Verified> {
  try {
    return { kind: 'task', task: await deps.client.describeRelayTask(ref) };
  } catch (error) {
    if (error instanceof AliyunApiError && error.code === 'CodeTaskNotExist') return { kind: 'gone' };
    return { kind: 'error', error };
  }
}

function refOf(ref: TaskRef): { region: string; id: string } {
  return { region: ref.region, id: ref.taskId };
}
