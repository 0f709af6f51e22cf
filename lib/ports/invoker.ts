/** FC 3.0's limit on an asynchronous invocation's payload; every Invoker enforces it. */
export const MAX_ASYNC_PAYLOAD_BYTES = 128 * 1024;

/**
 * How the callback and poller functions hand events to the alert function. In FC it is an
 * asynchronous InvokeFunction on the 2023-03-30 path (`x-fc-invocation-type: Async`,
 * `x-fc-async-task-id`), signed ACS3 or with FC's signature (lib/fc/create-fc-invoker.ts);
 * locally the local FC host delivers in-process.
 */
export interface Invoker {
  /**
   * Queues an asynchronous invocation. `taskId` deduplicates submissions (FC answers 409 for a reused
   * id, which counts as success: it is already queued). Rejects with InvokeError.
   */
  invokeAsync(functionName: string, payload: string, taskId: string): Promise<void>;
}
