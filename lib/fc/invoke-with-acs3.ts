import { Readable } from 'node:stream';
import * as OpenApiSdk from '@alicloud/openapi-client';
import { OpenApi } from '../openapi-sdk.js';
import {
  FC3_API_VERSION,
  INVOKE_FUNCTION_ACTION,
  type InvocationOutcome,
  type InvokeAttempt,
  invocationPath,
} from './invocation-outcome.js';

interface Acs3Target {
  /** Full URL, e.g. `https://<account>.<region>.fc.aliyuncs.com` or `http://127.0.0.1:9000`. */
  readonly endpoint: string;
  readonly timeoutMs: number;
}

/**
 * InvokeFunction as the FC 3.0 API documents it: ROA, `POST /2023-03-30/functions/{name}/invocations`,
 * signed ACS3-HMAC-SHA256 by `@alicloud/openapi-client`
 * (https://help.aliyun.com/en/functioncompute/fc/developer-reference/signature-mechanism).
 * The body goes as a stream (`application/octet-stream`, as the generated FC 3.0 SDK sends it)
 * and the answer is read as a string, so a 202 with an empty JSON body is a plain success.
 */
export function createAcs3Attempt(target: Acs3Target): InvokeAttempt {
  const url = new URL(target.endpoint);
  return async ({ functionName, payload, taskId, credentials }) => {
    const client = new OpenApi(
      new OpenApiSdk.Config({
        accessKeyId: credentials.accessKeyId,
        accessKeySecret: credentials.accessKeySecret,
        ...(credentials.securityToken ? { securityToken: credentials.securityToken } : {}),
        endpoint: url.host,
        protocol: url.protocol === 'http:' ? 'HTTP' : 'HTTPS',
      }),
    );
    const params = new OpenApiSdk.Params({
      action: INVOKE_FUNCTION_ACTION,
      version: FC3_API_VERSION,
      protocol: url.protocol === 'http:' ? 'HTTP' : 'HTTPS',
      pathname: invocationPath(functionName),
      method: 'POST',
      authType: 'AK',
      style: 'ROA',
      reqBodyType: 'binary',
      bodyType: 'string',
    });
    const request = new OpenApiSdk.OpenApiRequest({
      headers:
        taskId === undefined
          ? { 'x-fc-invocation-type': 'Sync' }
          : { 'x-fc-invocation-type': 'Async', 'x-fc-async-task-id': taskId },
      stream: Readable.from([payload]),
    });
    try {
      // The SDK types RuntimeOptions as a model class but reads only these plain fields.
      const result = (await client.callApi(params, request, {
        readTimeout: target.timeoutMs,
        connectTimeout: target.timeoutMs,
      } as Parameters<typeof client.callApi>[2])) as {
        statusCode?: number;
        body?: unknown;
        headers?: Record<string, string | undefined>;
      };
      return {
        status: result.statusCode ?? 200,
        body: typeof result.body === 'string' ? result.body : undefined,
        functionError: result.headers?.['x-fc-error-type'],
      };
    } catch (error) {
      return outcomeOf(error);
    }
  };
}

/** SDK errors carry the HTTP status in `data.statusCode` and the body's Code in `code`; transport errors neither. */
function outcomeOf(error: unknown): InvocationOutcome {
  const data = (error as { data?: { statusCode?: unknown; ErrorCode?: unknown } } | undefined)?.data;
  const status = typeof data?.statusCode === 'number' ? data.statusCode : undefined;
  // FC bodies say ErrorCode, which the SDK does not read (its `code` is then the string "undefined").
  const sdkCode = (error as { code?: unknown } | undefined)?.code;
  const code = typeof data?.ErrorCode === 'string' ? data.ErrorCode : sdkCode;
  return {
    status,
    code: status !== undefined && typeof code === 'string' && code !== 'undefined' ? code : undefined,
    error,
  };
}
