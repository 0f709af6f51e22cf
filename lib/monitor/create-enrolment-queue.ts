import pLimit from 'p-limit';
import type { AliyunClient } from '../aliyun/api.js';
import type { Resource } from '../events/resources.js';
import type { Store } from '../store/store.js';
import {
  type EnrolmentResult,
  type EnrolPolicy,
  enrolActionFor,
  enrolRelayTask,
} from './enrol-relay-task.js';

/** Enrolment updates in flight at once (the limiter paces them; this bounds sockets and memory). */
const ENROL_CONCURRENCY = 4;

export interface EnrolmentQueue {
  /** Looks at a listed resource and, if it needs enrolment, queues it (once per sweep). */
  offer(resource: Resource): void;
  /** Waits for the queued enrolments. Rejects with the first store outage met, if any. */
  finish(): Promise<{ readonly results: readonly EnrolmentResult[]; readonly deferred: number }>;
}

/**
 * Runs enrolments beside the listing: UpdateLivePullToPush has its own rate limit, so the listing
 * does not wait for them. At most `maxPerSweep` per sweep (the rest are counted as deferred and
 * found again next sweep), and none started once the sweep's time is up.
 */
export function createEnrolmentQueue(deps: {
  readonly client: AliyunClient;
  readonly store: Store;
  readonly now: () => number;
  readonly policy: EnrolPolicy;
  readonly maxPerSweep: number;
  readonly withinTime: () => boolean;
}): EnrolmentQueue {
  const limit = pLimit(ENROL_CONCURRENCY);
  const pending: Array<Promise<void>> = [];
  const scheduled = new Set<string>();
  const results: EnrolmentResult[] = [];
  const fatal: unknown[] = [];
  let deferred = 0;
  return {
    offer(resource) {
      if (resource.kind !== 'relay') return;
      const action = enrolActionFor(resource, deps.policy);
      if (action === 'none' || scheduled.has(resource.taskId)) return;
      if (scheduled.size >= deps.maxPerSweep) {
        deferred += 1;
        return;
      }
      scheduled.add(resource.taskId);
      const job = limit(async () => {
        if (!deps.withinTime()) {
          deferred += 1;
          return;
        }
        const { client, store, now, policy } = deps;
        results.push(await enrolRelayTask({ client, store, now }, resource, action, policy));
      });
      // A store outage inside an enrolment is fatal to the sweep, but only once `finish` is awaited.
      pending.push(job.catch((error: unknown) => void fatal.push(error)));
    },
    async finish() {
      await Promise.all(pending);
      if (fatal.length > 0) throw fatal[0];
      return { results, deferred };
    },
  };
}
