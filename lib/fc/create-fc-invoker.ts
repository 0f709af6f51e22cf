import { InvokeError } from '../errors.js';
import type { Logger } from '../log.js';
import type { Credentials } from '../ports/credentials.js';
import { type Invoker, MAX_ASYNC_PAYLOAD_BYTES } from '../ports/invoker.js';
import type { InvocationOutcome, InvokeAttempt } from './invocation-outcome.js';
import { createAcs3Attempt } from './invoke-with-acs3.js';
import { createFcSignatureAttempt } from './invoke-with-fc-signature.js';

/** FC's rule for `x-fc-async-task-id` (https://help.aliyun.com/document_detail/2513608.html). */
const TASK_ID = /^[A-Za-z_][A-Za-z0-9_-]{0,127}$/;

/** The two ways to sign InvokeFunction: ACS3-HMAC-SHA256 (`@alicloud/openapi-client`) or FC's own (`@alicloud/fc2`). */
export type FcSignature = 'acs3' | 'fc';

/** The FC invoker also calls a function synchronously (`livewatch doctor --deployed`). */
export interface FcInvoker extends Invoker {
  /** A synchronous invocation; resolves with the function's result, rejects with InvokeError. */
  invokeSync(functionName: string, payload: string): Promise<string>;
}

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
  /** The signature tried first (LIVEWATCH_FC_SIGNATURE); default ACS3, which the FC 3.0 API pages document. */
  readonly signature?: FcSignature;
  readonly timeoutMs: number;
  /** Where the one-time fallback to the other signature is reported. */
  readonly log?: Logger;
}

/**
 * An `Invoker` over the FC 3.0 InvokeFunction API: `POST /2023-03-30/functions/{name}/invocations`,
 * `x-fc-invocation-type: Async`, `x-fc-async-task-id: <taskId>`, signed with the chosen scheme. If FC
 * rejects that signature (401/403), the invoker switches to the other scheme for the rest of the
 * instance's life, once, and logs it (docs/deploy.md, "Which signature"). Any 2xx — with any body —
 * and 409 (the task id was submitted already, so it is queued) are success. Failures reject with
 * InvokeError, retryable for 5xx, 429, timeouts and network errors.
 * @example
 * const invoker = createFcInvoker({ accountId: context.accountId, region: context.region,
 *   credentials: () => credentialsOf(context), timeoutMs: 3_000 });
 * await invoker.invokeAsync('livewatch-alert', JSON.stringify([event]), event.key);
 */
export function createFcInvoker(options: FcInvokerOptions): FcInvoker {
  const readCredentials =
    typeof options.credentials === 'function'
      ? options.credentials
      : () => options.credentials as Credentials;
  const endpoint = options.endpoint ?? `https://${options.accountId}.${options.region}.fc.aliyuncs.com`;
  const attempts: Record<FcSignature, InvokeAttempt> = {
    acs3: createAcs3Attempt({ endpoint, timeoutMs: options.timeoutMs }),
    fc: createFcSignatureAttempt({ ...options, endpoint }),
  };
  let current: FcSignature = options.signature ?? 'acs3';
  let fellBack = false;

  async function call(functionName: string, payload: string, taskId: string | undefined) {
    const body = checkedBody(functionName, payload, taskId);
    const credentials = readCredentials();
    if (!credentials?.accessKeyId || !credentials.accessKeySecret) {
      throw new InvokeError(`no credentials to invoke ${functionName} (give the function a role)`, {
        functionName,
        retryable: false,
      });
    }
    const request = { functionName, payload: body, taskId, credentials };
    let outcome = await attempts[current](request);
    if (isSignatureRejection(outcome) && !fellBack) {
      fellBack = true;
      const rejected = current;
      current = rejected === 'acs3' ? 'fc' : 'acs3';
      options.log?.warn('FC rejected the invocation signature; using the other one from now on', {
        functionName,
        rejected,
        using: current,
        status: outcome.status,
        code: outcome.code,
      });
      outcome = await attempts[current](request);
    }
    settle(functionName, current, outcome);
    return outcome;
  }

  return {
    async invokeAsync(functionName: string, payload: string, taskId: string): Promise<void> {
      await call(functionName, payload, taskId);
    },
    async invokeSync(functionName: string, payload: string): Promise<string> {
      const outcome = await call(functionName, payload, undefined);
      if (outcome.functionError) {
        throw new InvokeError(
          `${functionName} failed (${outcome.functionError}): ${(outcome.body ?? '').slice(0, 500)}`,
          {
            functionName,
            retryable: false,
          },
        );
      }
      return outcome.body ?? '';
    },
  };
}

function checkedBody(functionName: string, payload: string, taskId: string | undefined): Buffer {
  if (!/^[A-Za-z0-9_-]{1,128}$/.test(functionName)) {
    throw new InvokeError(`invalid function name ${JSON.stringify(functionName.slice(0, 140))}`, {
      functionName,
      retryable: false,
    });
  }
  if (taskId !== undefined && !TASK_ID.test(taskId)) {
    throw new InvokeError(`invalid async task id for ${functionName}`, { functionName, retryable: false });
  }
  const body = Buffer.from(payload, 'utf8');
  if (body.length > MAX_ASYNC_PAYLOAD_BYTES) {
    throw new InvokeError(
      `payload of ${body.length} bytes exceeds the ${MAX_ASYNC_PAYLOAD_BYTES}-byte async limit for ${functionName}`,
      { functionName, retryable: false },
    );
  }
  return body;
}

/** FC answers a bad or unknown signature with 403 (its signature pages), an unauthenticated call with 401. */
function isSignatureRejection(outcome: InvocationOutcome): boolean {
  return outcome.status === 401 || outcome.status === 403;
}

function settle(functionName: string, signature: FcSignature, outcome: InvocationOutcome): void {
  const { status } = outcome;
  // 409: this task id was already submitted; FC dedupes submissions, so it is queued already.
  if (status !== undefined && ((status >= 200 && status < 300) || status === 409)) return;
  const detail = [
    status === undefined ? '' : ` with HTTP ${status}`,
    outcome.code ? ` (${outcome.code})` : '',
    ` [${signature} signature]`,
  ].join('');
  throw new InvokeError(`async invocation of ${functionName} failed${detail}`, {
    functionName,
    // No status: a timeout, a refused or reset connection, or an unreadable answer. Resubmitting is
    // safe because the task id makes FC drop a duplicate submission (409).
    retryable: status === undefined || status === 429 || status >= 500,
    cause: outcome.error,
  });
}
