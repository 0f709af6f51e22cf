import { describe, expect, it } from 'vitest';
// The whole error family: every class toHttpResponse maps (lib/errors.ts).
import * as errors from '../../lib/errors.js';
import { encodeHttpResponse } from '../../lib/fc/encode-http-response.js';
import { toHttpResponse } from '../../lib/fc/to-http-response.js';
import { createLogger } from '../../lib/log.js';
import { MethodNotAllowedError } from '../../lib/ports/method-not-allowed-error.js';
import { registerSecrets } from '../../lib/redact.js';

function recordingLog() {
  const lines: string[] = [];
  return { lines, log: createLogger({ level: 'debug', sink: (line) => lines.push(line) }) };
}

describe('toHttpResponse', () => {
  it('maps AuthError to 401', () => {
    expect(toHttpResponse(new errors.AuthError('bad token')).statusCode).toBe(401);
  });

  it('maps ValidationError to 400 with the issues', () => {
    const response = toHttpResponse(
      new errors.ValidationError('callback body', [{ path: 'TaskId', message: 'is required' }]),
    );

    expect(response.statusCode).toBe(400);
    expect(JSON.parse(response.body)).toEqual({
      error: 'callback body: TaskId: is required',
      issues: [{ path: 'TaskId', message: 'is required' }],
    });
  });

  it.each([
    ['an exhausted compare-and-set', new errors.StoreConflictError('relay:cn-shanghai:t1', 8)],
    [
      'a schema newer than this build',
      new errors.StoreIncompatibleError('database schema version 9 is newer'),
    ],
  ])('maps %s to 500 with an alert, not a 503 the sender would retry for ever', (_name, error) => {
    const { lines, log } = recordingLog();
    const response = toHttpResponse(error, log);
    expect(response.statusCode).toBe(500);
    expect(response.headers).not.toHaveProperty('Retry-After');
    expect(lines.map((line) => JSON.parse(line))).toEqual([
      expect.objectContaining({ level: 'error', alert: true }),
    ]);
  });

  it.each([404, 405, 413, 415])('maps RequestRejectedError %i to its status', (status) => {
    expect(toHttpResponse(new errors.RequestRejectedError(status, 'no')).statusCode).toBe(status);
  });

  it('sends Allow with a 405', () => {
    const response = toHttpResponse(new MethodNotAllowedError('GET', ['POST']));
    expect(response.statusCode).toBe(405);
    expect(response.headers?.Allow).toBe('POST');
  });

  it.each([
    ['StoreUnavailableError', new errors.StoreUnavailableError('claim', { cause: new Error('SQLITE_BUSY') })],
    ['InvokeError', new errors.InvokeError('down', { functionName: 'livewatch-alert', retryable: true })],
  ])('maps %s to 503 so the sender retries', (_name, error) => {
    const response = toHttpResponse(error, recordingLog().log);
    expect(response.statusCode).toBe(503);
    expect(response.headers?.['Retry-After']).toBe('1');
  });

  it('maps anything else to 500, logs it, and hides its message', () => {
    const { lines, log } = recordingLog();
    const response = toHttpResponse(new TypeError('x is undefined at secret place'), log);

    expect(response.statusCode).toBe(500);
    expect(response.body).not.toContain('secret place');
    expect(lines.join('\n')).toContain('x is undefined');
  });

  it('never puts a registered secret into a body', () => {
    registerSecrets('super-secret-token-value-123');
    const response = toHttpResponse(
      new errors.ValidationError('callback body', [
        { path: 'x', message: 'saw super-secret-token-value-123' },
      ]),
    );
    expect(response.body).not.toContain('super-secret-token-value-123');
  });
});

describe('encodeHttpResponse', () => {
  it('returns the full FC response shape', () => {
    expect(encodeHttpResponse({ statusCode: 200, body: '{"ok":true}' })).toEqual({
      statusCode: 200,
      headers: { 'Content-Type': 'application/json; charset=utf-8' },
      isBase64Encoded: false,
      body: '{"ok":true}',
    });
  });
});
