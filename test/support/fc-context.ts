import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FcContext } from '../../lib/fc/fc-context.js';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures');

/** A fake FC context shaped like the documented one (no role: empty credentials). */
export function fakeFcContext(overrides: Partial<FcContext> = {}): FcContext {
  return {
    requestId: 'req-test-1',
    credentials: { accessKeyId: '', accessKeySecret: '', securityToken: '' },
    function: { name: 'livewatch-callback', handler: 'index.handler', memory: 512, timeout: 30 },
    region: 'cn-shanghai',
    accountId: '1234567890123456',
    ...overrides,
  };
}

/** Reads a fixture file (relative to test/fixtures) as a Buffer. */
/** Every callback fixture under test/fixtures/callbacks/: one per documented variant. */
export const CALLBACK_FIXTURES = [
  'running-doc-sample',
  'running-correct-spelling-number-time',
  'recovering-status-string',
  'offline-retries-exhausted',
  'offline-by-user',
  'exit-over-end-time',
  'extra-fields',
  'unknown-event-name',
  'no-event-time',
] as const;

export function fixtureBuffer(relativePath: string): Buffer {
  return readFileSync(join(FIXTURES, relativePath));
}

/** Reads and parses a JSON fixture (a fresh copy each call, so tests may mutate it). */
export function fixtureJson<T = Record<string, unknown>>(relativePath: string): T {
  return JSON.parse(fixtureBuffer(relativePath).toString('utf8')) as T;
}

export interface HttpEventInit {
  method?: string;
  path: string;
  query?: Record<string, string>;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** Send the body base64-encoded (as FC does for binary bodies). */
  base64?: boolean;
}

/** Builds an FC 3.0 HTTP-trigger event Buffer, in the documented shape. */
export function httpEvent(init: HttpEventInit): Buffer {
  const method = init.method ?? 'POST';
  const raw = init.body === undefined ? Buffer.alloc(0) : Buffer.from(init.body);
  const event = {
    version: 'v1',
    rawPath: init.path,
    body: init.base64 ? raw.toString('base64') : raw.toString('utf8'),
    isBase64Encoded: init.base64 === true,
    headers: { 'Content-Type': 'application/json', ...init.headers },
    queryParameters: init.query ?? {},
    requestContext: {
      accountId: '1234567890123456',
      domainName: 'trigger.cn-shanghai.fcapp.run',
      domainPrefix: 'trigger',
      http: { method, path: init.path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'test' },
      requestId: 'req-test-1',
      time: '2026-01-01T00:00:00Z',
      timeEpoch: '1767225600000',
    },
  };
  return Buffer.from(JSON.stringify(event));
}
