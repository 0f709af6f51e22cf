import { afterEach, describe, expect, it } from 'vitest';
import { InvokeError } from '../../lib/errors.js';
import { createFcInvoker, type FcSignature } from '../../lib/fc/create-fc-invoker.js';
import { createLogger } from '../../lib/log.js';
import { type Responder, type SignatureKind, startFcApiServer } from '../support/fc-api-server.js';

const SECRET = 'test-secret-value-0123';
const credentials = { accessKeyId: 'LTAI-test-id', accessKeySecret: SECRET };
let close: (() => Promise<void>) | undefined;

afterEach(async () => {
  await close?.();
  close = undefined;
});

async function serve(
  respond: Responder,
  options: {
    signature?: FcSignature;
    accept?: SignatureKind[];
    lines?: string[];
    /** The secret FC checks signatures with (default: the one the invoker signs with). */
    serverSecret?: string;
  } = {},
) {
  const server = await startFcApiServer(
    options.serverSecret ?? SECRET,
    respond,
    options.accept ? { accept: options.accept } : {},
  );
  close = server.close;
  const invoker = createFcInvoker({
    accountId: '1234567890123456',
    region: 'cn-shanghai',
    credentials,
    endpoint: server.url,
    timeoutMs: 500,
    ...(options.signature ? { signature: options.signature } : {}),
    log: createLogger({ sink: (line) => options.lines?.push(line) }),
  });
  return { server, invoker };
}

const accepted: Responder = (_req, res) => {
  res.writeHead(202, { 'x-fc-request-id': 'r-1' });
  res.end();
};

/** What FC may send for a queued async invocation: 202, a JSON content type and no body at all. */
const acceptedEmptyJson: Responder = (_req, res) => {
  res.writeHead(202, { 'content-type': 'application/json', 'x-fc-request-id': 'r-1' });
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

describe.each(['acs3', 'fc'] as const)(
  'createFcInvoker, %s signature first (real SDKs over loopback HTTP)',
  (signature) => {
    it(`posts an Async invocation to the FC3 path with the task id and a valid ${signature} signature`, async () => {
      const { server, invoker } = await serve(accepted, { signature, accept: [signature] });

      await invoker.invokeAsync('livewatch-alert', '[{"k":1}]', 'ev_abc-123');

      expect(server.received).toHaveLength(1);
      const [request] = server.received;
      expect(request?.method).toBe('POST');
      expect(request?.path).toBe('/2023-03-30/functions/livewatch-alert/invocations');
      expect(request?.headers['x-fc-invocation-type']).toBe('Async');
      expect(request?.headers['x-fc-async-task-id']).toBe('ev_abc-123');
      expect(request?.signature).toBe(signature);
      expect(request?.signatureValid).toBe(true);
      expect(request?.body).toBe('[{"k":1}]');
    });

    it('sends the STS security token when the credentials carry one', async () => {
      const server = await startFcApiServer(SECRET, accepted, { accept: [signature] });
      close = server.close;
      const invoker = createFcInvoker({
        accountId: '1234567890123456',
        region: 'cn-shanghai',
        signature,
        credentials: () => ({
          accessKeyId: 'STS.abc',
          accessKeySecret: SECRET,
          securityToken: 'sts-token-1',
        }),
        endpoint: server.url,
        timeoutMs: 500,
      });

      await invoker.invokeAsync('livewatch-alert', '[]', 'ev_sts');

      const tokenHeader = signature === 'fc' ? 'x-fc-security-token' : 'x-acs-security-token';
      expect(server.received[0]?.headers[tokenHeader]).toBe('sts-token-1');
      expect(server.received[0]?.signatureValid).toBe(true);
    });

    it('treats 202 with a JSON content type and an empty body as success (queued, not retried)', async () => {
      const { server, invoker } = await serve(acceptedEmptyJson, { signature });
      await expect(invoker.invokeAsync('livewatch-alert', '[]', 'ev_empty')).resolves.toBeUndefined();
      expect(server.received).toHaveLength(1);
    });

    it('treats 202 with a JSON body as success', async () => {
      const { invoker } = await serve(
        (_req, res) => {
          res.writeHead(202, { 'content-type': 'application/json' });
          res.end('{"accepted":true}');
        },
        { signature },
      );
      await expect(invoker.invokeAsync('livewatch-alert', '[]', 'ev_json')).resolves.toBeUndefined();
    });

    it('treats 409 (task id already used) as success', async () => {
      const { invoker } = await serve(errorWith(409), { signature });
      await expect(invoker.invokeAsync('livewatch-alert', '[]', 'ev_dup')).resolves.toBeUndefined();
    });

    it.each([500, 503, 429])('rejects HTTP %i with a retryable InvokeError', async (status) => {
      const { invoker } = await serve(errorWith(status), { signature });
      const error = await invokeError(invoker.invokeAsync('livewatch-alert', '[]', 'ev_x'));
      expect(error.retryable).toBe(true);
      expect(error.functionName).toBe('livewatch-alert');
      expect(error.message).toContain(String(status));
    });

    it.each([400, 404])('rejects HTTP %i with a non-retryable InvokeError', async (status) => {
      const { invoker } = await serve(errorWith(status), { signature });
      const error = await invokeError(invoker.invokeAsync('livewatch-alert', '[]', 'ev_x'));
      expect(error.retryable).toBe(false);
      expect(error.message).toContain(`Code${status}`);
    });

    it('rejects a refused connection with a retryable InvokeError', async () => {
      const { server, invoker } = await serve(accepted, { signature });
      await server.close();
      close = undefined;
      const error = await invokeError(invoker.invokeAsync('livewatch-alert', '[]', 'ev_x'));
      expect(error.retryable).toBe(true);
    });

    it('rejects a request that times out with a retryable InvokeError', async () => {
      // The server never answers; the invoker's 500 ms timeout fires.
      const { invoker } = await serve(() => {}, { signature });
      const error = await invokeError(invoker.invokeAsync('livewatch-alert', '[]', 'ev_x'));
      expect(error.retryable).toBe(true);
    });
  },
);

describe('createFcInvoker falls back to the other signature once per instance', () => {
  it.each([
    ['acs3', 'fc'],
    ['fc', 'acs3'],
  ] as const)('FC rejecting %s: one logged switch to %s, which the next calls keep', async (first, other) => {
    const lines: string[] = [];
    const { server, invoker } = await serve(accepted, { signature: first, accept: [other], lines });

    await invoker.invokeAsync('livewatch-alert', '[1]', 'ev_one');
    await invoker.invokeAsync('livewatch-alert', '[2]', 'ev_two');

    expect(server.received.map((r) => [r.signature, r.status])).toEqual([
      [first, 403],
      [other, 202],
      [other, 202],
    ]);
    const switches = lines.filter((line) => line.includes('FC rejected the invocation signature'));
    expect(switches).toHaveLength(1);
    expect(JSON.parse(switches[0] ?? '{}')).toMatchObject({ level: 'warn', rejected: first, using: other });
    expect(lines.join('\n')).not.toContain(SECRET);
  });

  it('gives up (non-retryable, naming the signature) when FC rejects both, and never switches back', async () => {
    const { server, invoker } = await serve(accepted, { signature: 'acs3', accept: [] });

    const error = await invokeError(invoker.invokeAsync('livewatch-alert', '[]', 'ev_x'));
    expect(error.retryable).toBe(false);
    expect(error.message).toContain('403');
    expect(error.message).toContain('[fc signature]');
    await invokeError(invoker.invokeAsync('livewatch-alert', '[]', 'ev_y'));

    expect(server.received.map((r) => r.signature)).toEqual(['acs3', 'fc', 'fc']);
  });

  it('the loopback server really tells the signatures apart: a wrong secret is refused for both', async () => {
    const { server, invoker } = await serve(accepted, { serverSecret: 'another-secret-456789' });
    await invokeError(invoker.invokeAsync('livewatch-alert', '[]', 'ev_x'));
    expect(server.received.map((r) => [r.signature, r.signatureValid])).toEqual([
      ['acs3', false],
      ['fc', false],
    ]);
  });
});

describe('createFcInvoker input checks', () => {
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

describe('createFcInvoker with settings the FC signature cannot use', () => {
  it('rejects (not retryable, no request sent) when the account id is missing on the fc path', async () => {
    const { server } = await serve(accepted);
    const invoker = createFcInvoker({
      accountId: '',
      region: 'cn-shanghai',
      signature: 'fc',
      credentials,
      endpoint: server.url,
      timeoutMs: 500,
    });
    const error = await invokeError(invoker.invokeAsync('livewatch-alert', '[]', 'ev_x'));
    expect(error.retryable).toBe(false);
    expect(error.message).toContain('cannot build the FC client');
    expect(server.received).toHaveLength(0);
  });
});
