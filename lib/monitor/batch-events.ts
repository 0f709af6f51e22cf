import { LivewatchError } from '../errors.js';
import { eventKey, type TaskEvent } from '../events/task-event.js';
import { MAX_ASYNC_PAYLOAD_BYTES } from '../ports/invoker.js';

export interface EventBatch {
  readonly events: readonly TaskEvent[];
  /** The JSON array handed to the alert function. */
  readonly payload: string;
  /** Its byte length (UTF-8), always ≤ the limit. */
  readonly bytes: number;
  /**
   * `x-fc-async-task-id`: derived from the events' keys, so a retried sweep that finds the same
   * events submits the same id and FC answers 409 (already queued) instead of running it twice.
   */
  readonly taskId: string;
}

/**
 * Splits events into JSON arrays that each stay within `maxBytes` (measured in UTF-8 bytes, not
 * characters: task names may be Chinese). Order is kept, so the same events always give the same
 * batches and task ids. An event too large on its own (a relay with 30 long source URLs) is sent
 * without its snapshot; the alert function reads the task from the API anyway.
 */
export function batchEvents(events: readonly TaskEvent[], maxBytes = MAX_ASYNC_PAYLOAD_BYTES): EventBatch[] {
  const batches: EventBatch[] = [];
  let current: TaskEvent[] = [];
  let parts: string[] = [];
  // `[` + `]` and one comma between items.
  let bytes = 2;
  const flush = (): void => {
    if (current.length === 0) return;
    const payload = `[${parts.join(',')}]`;
    batches.push({
      events: current,
      payload,
      bytes: Buffer.byteLength(payload, 'utf8'),
      taskId: eventKey(['poll-batch', ...current.map((event) => event.key)]),
    });
    current = [];
    parts = [];
    bytes = 2;
  };
  for (const original of events) {
    let event = original;
    let json = JSON.stringify(event);
    let size = Buffer.byteLength(json, 'utf8');
    if (size + 2 > maxBytes && event.snapshot !== undefined) {
      const { snapshot: _dropped, ...withoutSnapshot } = event;
      event = withoutSnapshot;
      json = JSON.stringify(event);
      size = Buffer.byteLength(json, 'utf8');
    }
    if (size + 2 > maxBytes) {
      // Cannot happen with the validated field limits; a bug if it does.
      throw new LivewatchError(
        `event ${event.key} is ${size} bytes, above the ${maxBytes}-byte batch limit`,
        {
          context: { key: event.key, size, maxBytes },
        },
      );
    }
    const added = (current.length === 0 ? 0 : 1) + size;
    if (bytes + added > maxBytes) flush();
    bytes += (current.length === 0 ? 0 : 1) + size;
    current.push(event);
    parts.push(json);
  }
  flush();
  return batches;
}
