import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../lib/errors.js';
import { decodeHttpEvent } from '../../lib/fc/decode-http-event.js';
import { fixtureBuffer, fixtureJson } from '../support/fc-context.js';

describe('decodeHttpEvent', () => {
  it('decodes the documented sample event', () => {
    const request = decodeHttpEvent(fixtureBuffer('fc/http-trigger.json'));

    expect(request.method).toBe('GET');
    expect(request.path).toBe('/example');
    expect({ ...request.headers }).toEqual({ header1: 'value1', header2: 'value1,value2' });
    expect({ ...request.query }).toEqual({ parameter1: 'value1', parameter2: 'value1,value2' });
    expect(request.body.toString('utf8')).toBe('Hello FC!');
  });

  it('lower-cases capitalised header names as a real event sends them', () => {
    const request = decodeHttpEvent(fixtureBuffer('fc/http-trigger-capitalised.json'));

    expect(request.headers['content-type']).toBe('application/json');
    expect(request.headers['user-agent']).toBe('Go-http-client/1.1');
    expect(request.headers['Content-Type']).toBeUndefined();
    expect(request.query.region).toBe('cn-beijing');
    expect(JSON.parse(request.body.toString('utf8'))).toMatchObject({ TaskId: 'task-cap' });
  });

  it('decodes a base64 body', () => {
    const request = decodeHttpEvent(fixtureBuffer('fc/http-trigger-base64.json'));

    expect(request.method).toBe('POST');
    expect(JSON.parse(request.body.toString('utf8'))).toEqual({
      Event: 'LivePullToPushRuning',
      TaskId: 'task-b64',
    });
  });

  it('keeps binary base64 bodies byte for byte', () => {
    const event = fixtureJson('fc/http-trigger-base64.json');
    const bytes = Buffer.from([0, 255, 1, 254, 128]);
    event.body = bytes.toString('base64');

    expect(decodeHttpEvent(Buffer.from(JSON.stringify(event))).body.equals(bytes)).toBe(true);
  });

  it('joins two spellings of one header and array values like FC joins repeats', () => {
    const event = fixtureJson('fc/http-trigger.json');
    event.headers = { 'X-Thing': 'a', 'x-thing': 'b', Accept: ['x', 'y'] };

    const request = decodeHttpEvent(Buffer.from(JSON.stringify(event)));

    expect(request.headers['x-thing']).toBe('a,b');
    expect(request.headers.accept).toBe('x,y');
  });

  it('treats a missing body as empty and strips a query string from rawPath', () => {
    const event = fixtureJson('fc/http-trigger.json');
    delete event.body;
    event.rawPath = '/healthz?x=1';

    const request = decodeHttpEvent(Buffer.from(JSON.stringify(event)));

    expect(request.body.length).toBe(0);
    expect(request.path).toBe('/healthz');
  });

  it.each([
    ['not JSON', Buffer.from('{nope')],
    ['a JSON array', Buffer.from('[]')],
    ['no requestContext', Buffer.from(JSON.stringify({ rawPath: '/x' }))],
    [
      'a relative rawPath',
      Buffer.from(JSON.stringify({ rawPath: 'x', requestContext: { http: { method: 'GET' } } })),
    ],
    [
      'a body flagged base64 that is not',
      Buffer.from(
        JSON.stringify({
          rawPath: '/x',
          body: '{"a":1}',
          isBase64Encoded: true,
          requestContext: { http: { method: 'POST' } },
        }),
      ),
    ],
    [
      'a method that is not one',
      Buffer.from(JSON.stringify({ rawPath: '/x', requestContext: { http: { method: 'GE T' } } })),
    ],
  ])('rejects a malformed event (%s) with ValidationError', (_name, event) => {
    expect(() => decodeHttpEvent(event)).toThrow(ValidationError);
  });

  it('keeps a header named __proto__ as plain data', () => {
    const event = fixtureJson('fc/http-trigger.json');
    event.headers = JSON.parse('{"__proto__":"x","a":"b"}');

    const request = decodeHttpEvent(Buffer.from(JSON.stringify(event)));

    expect(request.headers.a).toBe('b');
    expect(Object.getPrototypeOf({})).toBe(Object.prototype);
  });
});
