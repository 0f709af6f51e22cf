import { describeError } from '../errors.js';
import type { TaskEvent } from '../events/task-event.js';
import { type Invoker, MAX_ASYNC_PAYLOAD_BYTES } from '../ports/invoker.js';
import type { Store } from '../store/store.js';
import { batchEvents, type EventBatch } from './batch-events.js';

export interface EmitOutcome {
  readonly batches: number;
  readonly bytes: number;
  readonly delivered: readonly TaskEvent[];
  readonly failed: ReadonlyArray<{ readonly batch: EventBatch; readonly error: string }>;
}

/** Where the events go: the alert function, and the event inbox first (docs/alert.md, "Event inbox"). */
export interface EmitTarget {
  readonly invoker: Invoker;
  readonly functionName: string;
  readonly store: Store;
  readonly now: number;
  /** When the alert tick re-delivers an event that is still not handled. */
  readonly redeliverAt: number;
}

/**
 * Hands events to the alert function as asynchronous invocations, in batches within the 128 KB
 * payload limit, after adding them all to the event inbox in one store call (so an invocation FC
 * drops after its retries is re-delivered by the alert tick; a store failure here fails the sweep
 * before anything is invoked). A failed batch does not stop the others; the caller undoes the
 * snapshot writes of its events so the next sweep reports them again (with the same keys, so
 * nothing doubles up, in the inbox either).
 */
export async function emitEvents(
  target: EmitTarget,
  events: readonly TaskEvent[],
  maxBytes = MAX_ASYNC_PAYLOAD_BYTES,
): Promise<EmitOutcome> {
  const { invoker, functionName } = target;
  await target.store.addToInbox(
    events.map((event) => ({ key: event.key, event, createdAt: target.now, dueAt: target.redeliverAt })),
  );
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
