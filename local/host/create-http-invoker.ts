import { InvokeError } from '../../lib/errors.js';
import { type Invoker, MAX_ASYNC_PAYLOAD_BYTES } from '../../lib/ports/invoker.js';

/**
 * An Invoker for a process beside `npm start` (`livewatch sweep --invoke`): hands the payload to the
 * local host's invoker endpoint (start-invoker-endpoint.ts), which queues it like FC's async
 * InvokeFunction. A refused invocation is permanent (not retryable); an unreachable host or a 5xx is
 * transient, as the FC invoker reads FC's answers.
 */
export function createHttpInvoker(options: { readonly url: string; readonly token: string }): Invoker {
  const base = options.url.replace(/\/+$/, '');
  return {
    async invokeAsync(functionName, payload, taskId) {
      if (Buffer.byteLength(payload, 'utf8') > MAX_ASYNC_PAYLOAD_BYTES) {
        throw new InvokeError(`payload exceeds the ${MAX_ASYNC_PAYLOAD_BYTES}-byte async limit`, {
          functionName,
          retryable: false,
        });
      }
      let response: Response;
      try {
        response = await fetch(`${base}/invoke/${encodeURIComponent(functionName)}`, {
          method: 'POST',
          headers: { authorization: `Bearer ${options.token}`, 'x-fc-async-task-id': taskId },
          body: payload,
          signal: AbortSignal.timeout(5_000),
        });
      } catch (error) {
        throw new InvokeError(
          `the local host's invoker at ${base} is not reachable (is npm start running?)`,
          {
            functionName,
            retryable: true,
            cause: error,
          },
        );
      }
      if (response.status === 202) return;
      const { error } = (await response.json().catch(() => ({}))) as { error?: unknown };
      throw new InvokeError(
        `the local host refused the invocation (HTTP ${response.status}): ${String(error)}`,
        {
          functionName,
          retryable: response.status >= 500,
        },
      );
    },
  };
}
