import { describeError } from '../errors.js';
import type { TaskEvent } from '../events/task-event.js';
import { type Invoker, MAX_ASYNC_PAYLOAD_BYTES } from '../ports/invoker.js';
import { batchEvents, type EventBatch } from './batch-events.js';

export interface EmitOutcome {
  readonly batches: number;
  readonly bytes: number;
  readonly delivered: readonly TaskEvent[];
  readonly failed: ReadonlyArray<{ readonly batch: EventBatch; readonly error: string }>;
}

/**
 * Hands events to the alert function as asynchronous invocations, in batches within the 128 KB
 * payload limit. A failed batch does not stop the others; the caller undoes the snapshot writes of
 * its events so the next sweep reports them again (with the same keys, so nothing doubles up).
 */
export async function emitEvents(
  invoker: Invoker,
  functionName: string,
  events: readonly TaskEvent[],
  maxBytes = MAX_ASYNC_PAYLOAD_BYTES,
): Promise<EmitOutcome> {
  const delivered: TaskEvent[] = [];
  const failed: Array<{ batch: EventBatch; error: string }> = [];
  let bytes = 0;
  const batches = batchEvents(events, maxBytes);
  for (const batch of batches) {
    try {
      await invoker.invokeAsync(functionName, batch.payload, batch.taskId);
      delivered.push(...batch.events);
      bytes += batch.bytes;
    } catch (error) {
      // InvokeError (or anything the invoker throws): reported and undone by the caller, never fatal.
      failed.push({ batch, error: describeError(error) });
    }
  }
  return { batches: batches.length, bytes, delivered, failed };
}
