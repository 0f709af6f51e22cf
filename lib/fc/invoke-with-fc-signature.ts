import { createHash } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import FcClient from '@alicloud/fc2';
import { InvokeError } from '../errors.js';
import { type InvocationOutcome, type InvokeAttempt, invocationPath } from './invocation-outcome.js';

interface FcSignatureTarget {
  readonly accountId: string;
  readonly region: string;
  /** Full URL, e.g. `https://<account>.<region>.fc.aliyuncs.com` or `http://127.0.0.1:9000`. */
  readonly endpoint: string;
  readonly timeoutMs: number;
}

/**
 * InvokeFunction signed with FC's own scheme (`Authorization: FC <AK>:<sig>`) by `@alicloud/fc2`,
 * on the 2023-03-30 path. The SDK builds the headers and the signature; the request itself goes
 * out here, because the SDK's own transport JSON-parses every `application/json` body and throws
 * on an empty one, which hides the status of a 202 that queued the event.
 */
export function createFcSignatureAttempt(target: FcSignatureTarget): InvokeAttempt {
  return async ({ functionName, payload, taskId, credentials }) => {
    let client: FcClient;
    try {
      client = new FcClient(target.accountId, {
        accessKeyID: credentials.accessKeyId,
        accessKeySecret: credentials.accessKeySecret,
        ...(credentials.securityToken ? { securityToken: credentials.securityToken } : {}),
        region: target.region,
        secure: target.endpoint.startsWith('https:'),
        timeout: target.timeoutMs,
        endpoint: target.endpoint,
      });
    } catch (error) {
      // The SDK refuses a missing account id, or STS keys without their token: a setting, not a blip.
      throw new InvokeError(`cannot build the FC client for ${functionName}`, {
        functionName,
        retryable: false,
        cause: error,
      });
    }
    const path = invocationPath(functionName);
    const headers: Record<string, string> = {
      ...client.buildHeaders(),
      'content-type': 'application/octet-stream',
      'content-length': String(payload.length),
      // FC's Content-MD5 is Base64 of the hex digest (the SDK's own rule).
      'content-md5': Buffer.from(createMd5Hex(payload)).toString('base64'),
      ...(taskId === undefined
        ? { 'x-fc-invocation-type': 'Sync' }
        : { 'x-fc-invocation-type': 'Async', 'x-fc-async-task-id': taskId }),
    };
    headers.authorization = FcClient.getSignature(
      credentials.accessKeyId,
      credentials.accessKeySecret,
      'POST',
      path,
      headers,
      null,
    );
    return postInvocation(new URL(path, target.endpoint), headers, payload, target.timeoutMs);
  };
}

function createMd5Hex(payload: Buffer): string {
  return createHash('md5').update(payload).digest('hex');
}

/** POSTs and reads the whole answer; any status and any body (empty JSON included) is an outcome. */
function postInvocation(
  url: URL,
  headers: Record<string, string>,
  payload: Buffer,
  timeoutMs: number,
): Promise<InvocationOutcome> {
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve) => {
    const req = send(url, { method: 'POST', headers, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', (error) => resolve({ status: undefined, error }));
      res.on('end', () => {
        const status = res.statusCode ?? 0;
        const body = Buffer.concat(chunks).toString('utf8');
        const functionError = res.headers['x-fc-error-type'];
        resolve({
          status,
          code: errorCodeOf(body),
          body,
          functionError: Array.isArray(functionError) ? functionError.join(',') : functionError,
        });
      });
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', (error) => resolve({ status: undefined, error }));
    req.end(payload);
  });
}

/** FC error bodies are `{"ErrorCode": …, "ErrorMessage": …}` (FC2 style) or `{"Code": …}` (ACS style). */
function errorCodeOf(body: string): string | undefined {
  try {
    const parsed = JSON.parse(body) as Record<string, unknown>;
    const code = parsed.ErrorCode ?? parsed.Code ?? parsed.code;
    return typeof code === 'string' ? code : undefined;
  } catch {
    // An empty or non-JSON body has no code; the status alone decides.
    return undefined;
  }
}
