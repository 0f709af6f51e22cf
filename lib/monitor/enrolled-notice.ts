import { resourceKey } from '../events/resources.js';
import type { Notice } from '../notify/notice.js';
import type { EnrolmentResult } from './enrol-relay-task.js';

/**
 * The info notice for a task whose CallbackUrl livewatch set (ARCHITECTURE.md: info for "enrolled").
 * It names no URL: livewatch's carries the callback token, the owner's may carry their secret.
 * @example await notifier.notify(enrolledNotice(result, clock.now()));
 */
export function enrolledNotice(result: EnrolmentResult, at: number): Notice {
  const resource = { kind: 'relay', id: result.taskId, region: result.region } as const;
  const takeover = result.action === 'takeover';
  return {
    id: `${resourceKey(resource)}:enrolled:${at}`,
    status: 'firing',
    severity: 'info',
    kind: 'relay',
    region: result.region,
    reason: takeover ? 'TakenOver' : 'Enrolled',
    title: `relay ${result.taskId} ${takeover ? 'taken over' : 'enrolled'}: its callbacks now reach livewatch`,
    text: takeover
      ? 'its CallbackUrl pointed at another receiver; livewatch forwards every callback there'
      : 'its CallbackUrl was empty or carried a retired token',
    resource,
    at,
  };
}
