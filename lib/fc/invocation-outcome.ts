/**
 * What one InvokeFunction attempt came to, in the terms the invoker decides on: the HTTP status when
 * one was read (undefined after a timeout, a refused connection or an unreadable error body), FC's
 * error code when the body carried one, and the underlying error for the log.
 */
export interface InvocationOutcome {
  readonly status: number | undefined;
  readonly code?: string | undefined;
  readonly error?: unknown;
  /** The answer's body (a synchronous invocation's result). */
  readonly body?: string | undefined;
  /** Set when the function itself failed (a synchronous invocation answers 200 with this header). */
  readonly functionError?: string | undefined;
}

/** One attempt of an asynchronous invocation with one signature scheme. */
export type InvokeAttempt = (request: InvocationRequest) => Promise<InvocationOutcome>;

interface InvocationRequest {
  readonly functionName: string;
  readonly payload: Buffer;
  /** Async with this deduplication id, or undefined for a synchronous invocation. */
  readonly taskId: string | undefined;
  readonly credentials: {
    readonly accessKeyId: string;
    readonly accessKeySecret: string;
    readonly securityToken?: string;
  };
}

/** The FC 3.0 InvokeFunction path (https://www.alibabacloud.com/help/en/functioncompute/fc-3-0/developer-reference/api-fc-2023-03-30-invokefunction). */
export const FC3_API_VERSION = '2023-03-30';
/** The API action (and RAM action `fc:InvokeFunction`) the invoker calls. */
export const INVOKE_FUNCTION_ACTION = 'InvokeFunction';

export function invocationPath(functionName: string): string {
  return `/${FC3_API_VERSION}/functions/${encodeURIComponent(functionName)}/invocations`;
}
