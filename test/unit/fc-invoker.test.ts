import { afterEach, describe, expect, it } from 'vitest';
import { InvokeError } from '../../lib/errors.js';
import { createFcInvoker } from '../../lib/fc/create-fc-invoker.js';
import { type Responder, startFcApiServer } from '../support/fc-api-server.js';

const SECRET = 'test-secret-value-0123';
const credentials = { accessKeyId: 'LTAI-test-id', accessKeySecret: SECRET };
let close: (() => Promise<void>) | undefined;

afterEach(async () => {
  await close?.();
  close = undefined;
});

async function serve(respond: Responder) {
  const server = await startFcApiServer(SECRET, respond);
  close = server.close;
  const invoker = createFcInvoker({
    accountId: '1234567890123456',
    region: 'cn-shanghai',
    credentials,
    endpoint: server.url,
    timeoutMs: 500,
  });
  return { server, invoker };
}

const accepted: Responder = (_req, res) => {
  res.writeHead(202, { 'x-fc-request-id': 'r-1' });
  res.end();
};

function errorWith(status: number): Responder {
  return (_req, res) => {
    res.writeHead(status, { 'content-type': 'application/json', 'x-fc-request-id': 'r-2' });
    res.end(JSON.stringify({ ErrorCode: `Code${status}`, ErrorMessage: `failure ${status}` }));
  };
}

async function invokeError(promise: Promise<void>): Promise<InvokeError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(InvokeError);
  return error as InvokeError;
}

describe('createFcInvoker (the real @alicloud/fc2 SDK over loopback HTTP)', () => {
  it('posts an Async invocation to the FC3 path with the task id and a valid FC signature', async () => {
    const { server, invoker } = await serve(accepted);

    await invoker.invokeAsync('livewatch-alert', '[{"k":1}]', 'ev_abc-123');

    expect(server.received).toHaveLength(1);
    const [request] = server.received;
    expect(request?.method).toBe('POST');
    expect(request?.path).toBe('/2023-03-30/functions/livewatch-alert/invocations');
    expect(request?.headers['x-fc-invocation-type']).toBe('Async');
    expect(request?.headers['x-fc-async-task-id']).toBe('ev_abc-123');
    expect(request?.headers.authorization).toMatch(/^FC LTAI-test-id:.+/);
    expect(request?.signatureValid).toBe(true);
    expect(request?.body).toBe('[{"k":1}]');
  });

  it('sends the STS security token when the credentials carry one', async () => {
    const server = await startFcApiServer(SECRET, accepted);
    close = server.close;
    const invoker = createFcInvoker({
      accountId: '1234567890123456',
      region: 'cn-shanghai',
      credentials: () => ({ accessKeyId: 'STS.abc', accessKeySecret: SECRET, securityToken: 'sts-token-1' }),
      endpoint: server.url,
      timeoutMs: 500,
    });

    await invoker.invokeAsync('livewatch-alert', '[]', 'ev_sts');

    expect(server.received[0]?.headers['x-fc-security-token']).toBe('sts-token-1');
    expect(server.received[0]?.signatureValid).toBe(true);
  });

  it('treats 409 (task id already used) as success', async () => {
    const { invoker } = await serve(errorWith(409));
    await expect(invoker.invokeAsync('livewatch-alert', '[]', 'ev_dup')).resolves.toBeUndefined();
  });

  it.each([500, 503, 429])('rejects HTTP %i with a retryable InvokeError', async (status) => {
    const { invoker } = await serve(errorWith(status));
    const error = await invokeError(invoker.invokeAsync('livewatch-alert', '[]', 'ev_x'));
    expect(error.retryable).toBe(true);
    expect(error.functionName).toBe('livewatch-alert');
    expect(error.message).toContain(String(status));
  });

  it.each([400, 403, 404])('rejects HTTP %i with a non-retryable InvokeError', async (status) => {
    const { invoker } = await serve(errorWith(status));
    const error = await invokeError(invoker.invokeAsync('livewatch-alert', '[]', 'ev_x'));
    expect(error.retryable).toBe(false);
  });

  it('rejects a refused connection with a retryable InvokeError', async () => {
    const { server, invoker } = await serve(accepted);
    await server.close();
    close = undefined;
    const error = await invokeError(invoker.invokeAsync('livewatch-alert', '[]', 'ev_x'));
    expect(error.retryable).toBe(true);
  });

  it('rejects a request that times out with a retryable InvokeError', async () => {
    // The server never answers; the invoker's 500 ms timeout fires.
    const { invoker } = await serve(() => {});
    const error = await invokeError(invoker.invokeAsync('livewatch-alert', '[]', 'ev_x'));
    expect(error.retryable).toBe(true);
  });

  it('refuses an invalid task id, an oversized payload and missing credentials without calling FC', async () => {
    const { server, invoker } = await serve(accepted);
    expect(
      (await invokeError(invoker.invokeAsync('livewatch-alert', '[]', '9starts-with-digit'))).retryable,
    ).toBe(false);
    expect(
      (await invokeError(invoker.invokeAsync('livewatch-alert', 'x'.repeat(128 * 1024 + 1), 'ev_big')))
        .retryable,
    ).toBe(false);
    const noRole = createFcInvoker({
      accountId: '1',
      region: 'cn-shanghai',
      credentials: () => undefined,
      endpoint: server.url,
      timeoutMs: 500,
    });
    expect((await invokeError(noRole.invokeAsync('livewatch-alert', '[]', 'ev_x'))).retryable).toBe(false);
    expect(server.received).toHaveLength(0);
  });
});
