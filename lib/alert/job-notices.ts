import { resourceKey } from '../events/resources.js';
import type { TaskEvent } from '../events/task-event.js';
import type { Notice } from '../notify/notice.js';

/**
 * Record and transcode jobs are watched, not remediated (ICE has no restart for them): an unexpected
 * transition fires a warning that resolves when the job runs again; a disappearance is a one-shot
 * info notice (it can never resolve) that also resolves what was firing.
 */
export function jobNoticesOf(event: TaskEvent): Notice[] {
  const { resource } = event;
  if (resource.kind === 'relay') return [];
  const key = resourceKey(resource);
  const label = resource.name ? `${resource.name} (${resource.id})` : resource.id;
  const problem = resource.kind === 'record' ? 'paused' : 'stopped';
  const reason = resource.kind === 'record' ? 'RecordPaused' : 'TranscodeStopped';
  const base = { kind: resource.kind, region: resource.region, resource, at: event.observedAt } as const;
  const problemNotice = (status: Notice['status'], title: string, text: string): Notice => ({
    ...base,
    id: `${key}:${problem}`,
    status,
    severity: 'warning',
    reason,
    title,
    text,
  });

  if (event.state === problem) {
    return [
      problemNotice(
        'firing',
        `${resource.kind} job ${label} ${problem}`,
        `${resource.kind} job ${problem}${event.reason ? ` (${event.reason})` : ''}; seen by ${event.source}`,
      ),
    ];
  }
  if (event.state === 'started' || event.state === 'running') {
    return [
      problemNotice(
        'resolved',
        `${resource.kind} job ${label} running again`,
        `running; seen by ${event.source}`,
      ),
    ];
  }
  if (event.state === 'gone') {
    return [
      problemNotice('resolved', `${resource.kind} job ${label} gone`, 'the job disappeared'),
      {
        ...base,
        id: `${key}:gone:${event.observedAt}`,
        status: 'firing',
        severity: 'info',
        reason: 'Disappeared',
        title: `${resource.kind} job ${label} disappeared`,
        text: `no longer listed by ICE${event.previousState ? ` (was ${event.previousState})` : ''}`,
      },
    ];
  }
  return [];
}
