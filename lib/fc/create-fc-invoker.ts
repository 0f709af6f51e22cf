import FcClient from '@alicloud/fc2';
import { InvokeError } from '../errors.js';
import type { Credentials } from '../ports/credentials.js';
import { type Invoker, MAX_ASYNC_PAYLOAD_BYTES } from '../ports/invoker.js';

/** FC's rule for `x-fc-async-task-id` (function-compute.md §4). */
const TASK_ID = /^[A-Za-z_][A-Za-z0-9_-]{0,127}$/;

export interface FcInvokerOptions {
  readonly accountId: string;
  readonly region: string;
  /**
   * The keys to sign with. A function form is read on every call, so a long-lived invoker can use the
   * latest invocation's STS token (FC hands fresh ones in each context).
   */
  readonly credentials: Credentials | (() => Credentials | undefined);
  /** Full URL override (LIVEWATCH_FC_ENDPOINT), e.g. `http://127.0.0.1:9000`; default the regional FC endpoint. */
  readonly endpoint?: string | undefined;
  readonly timeoutMs: number;
}

/**
 * An `Invoker` over the FC 3.0 InvokeFunction API using `@alicloud/fc2` with the 2023-03-30 path prefix:
 * `POST /2023-03-30/functions/{name}/invocations`, `x-fc-invocation-type: Async`,
 * `x-fc-async-task-id: <taskId>`. A 409 (the task id was used already) counts as success: it is queued.
 * Failures reject with InvokeError, retryable for 5xx, 429, timeouts and network errors.
 * @example
 * const invoker = createFcInvoker({ accountId: context.accountId, region: context.region,
 *   credentials: () => credentialsOf(context), timeoutMs: 3_000 });
 * await invoker.invokeAsync('livewatch-alert', JSON.stringify([event]), event.key);
 */
export function createFcInvoker(options: FcInvokerOptions): Invoker {
  const readCredentials =
    typeof options.credentials === 'function'
      ? options.credentials
      : () => options.credentials as Credentials;

  return {
    async invokeAsync(functionName: string, payload: string, taskId: string): Promise<void> {
      if (!/^[A-Za-z0-9_-]{1,128}$/.test(functionName)) {
        throw new InvokeError(`invalid function name ${JSON.stringify(functionName.slice(0, 140))}`, {
          functionName,
          retryable: false,
        });
      }
      if (!TASK_ID.test(taskId)) {
        throw new InvokeError(`invalid async task id for ${functionName}`, {
          functionName,
          retryable: false,
        });
      }
      const bytes = Buffer.byteLength(payload, 'utf8');
      if (bytes > MAX_ASYNC_PAYLOAD_BYTES) {
        throw new InvokeError(
          `payload of ${bytes} bytes exceeds the ${MAX_ASYNC_PAYLOAD_BYTES}-byte async limit for ${functionName}`,
          { functionName, retryable: false },
        );
      }
      const client = buildClient(options, readCredentials(), functionName);
      try {
        await client.post(`/functions/${functionName}/invocations`, payload, {
          'x-fc-invocation-type': 'Async',
          'x-fc-async-task-id': taskId,
        });
      } catch (error) {
        const status = statusOf(error);
        // 409: this task id was already submitted; FC dedupes submissions, so it is queued already.
        if (status === 409) return;
        throw new InvokeError(
          `async invocation of ${functionName} failed${status === undefined ? '' : ` with HTTP ${status}`}`,
          { functionName, retryable: isRetryable(error, status), cause: error },
        );
      }
    },
  };
}

function buildClient(
  options: FcInvokerOptions,
  credentials: Credentials | undefined,
  functionName: string,
): FcClient {
  if (!credentials?.accessKeyId || !credentials.accessKeySecret) {
    throw new InvokeError(`no credentials to invoke ${functionName} (give the function a role)`, {
      functionName,
      retryable: false,
    });
  }
  try {
    const client = new FcClient(options.accountId, {
      accessKeyID: credentials.accessKeyId,
      accessKeySecret: credentials.accessKeySecret,
      ...(credentials.securityToken ? { securityToken: credentials.securityToken } : {}),
      region: options.region,
      // The SDK defaults to http://; FC3 wants https unless a test points the endpoint at plain http.
      secure: options.endpoint === undefined || options.endpoint.startsWith('https:'),
      timeout: options.timeoutMs,
      ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
    });
    // Switches the SDK's path prefix from the FC2 API to FC3's (function-compute.md §5).
    client.version = '2023-03-30';
    return client;
  } catch (error) {
    throw new InvokeError(`cannot build the FC client for ${functionName}`, {
      functionName,
      retryable: false,
      cause: error,
    });
  }
}

/** The SDK reports the HTTP status only inside its message: "POST /functions/x/invocations failed with 409. …". */
function statusOf(error: unknown): number | undefined {
  if (!(error instanceof Error)) return undefined;
  const match = /failed with (\d{3})\b/.exec(error.message);
  return match?.[1] === undefined ? undefined : Number(match[1]);
}

function isRetryable(error: unknown, status: number | undefined): boolean {
  if (status !== undefined) return status === 429 || status >= 500;
  // No status: a timeout, a refused or reset connection, or an unparseable (e.g. empty JSON) response body.
  // Resubmitting is safe because the task id makes FC drop a duplicate submission (409).
  return error instanceof Error;
}
