import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../lib/errors.js';
import { decodeTimerEvent } from '../../lib/fc/decode-timer-event.js';
import { fixtureBuffer } from '../support/fc-context.js';

describe('decodeTimerEvent', () => {
  it('decodes the documented timer event with a text payload', () => {
    expect(decodeTimerEvent(fixtureBuffer('fc/timer-trigger.json'))).toEqual({
      triggerTime: '2023-12-26T07:49:00Z',
      triggerName: 'timer-trigger',
      payload: 'awesome-fc',
    });
  });

  it('parses a JSON payload again', () => {
    expect(decodeTimerEvent(fixtureBuffer('fc/timer-trigger-json-payload.json')).payload).toEqual({
      kind: 'tick',
      n: 2,
    });
  });

  it('gives an undefined payload when it is absent or empty', () => {
    const event = { triggerTime: '2023-12-26T07:49:00Z', triggerName: 't', payload: '' };
    expect(decodeTimerEvent(Buffer.from(JSON.stringify(event))).payload).toBeUndefined();
    const { payload: _payload, ...without } = event;
    expect(decodeTimerEvent(Buffer.from(JSON.stringify(without))).payload).toBeUndefined();
  });

  it.each([
    ['not JSON', '{'],
    ['no triggerName', JSON.stringify({ triggerTime: '2023-12-26T07:49:00Z' })],
    ['a numeric payload', JSON.stringify({ triggerTime: 'x', triggerName: 't', payload: 3 })],
  ])('rejects a malformed timer event (%s)', (_name, text) => {
    expect(() => decodeTimerEvent(Buffer.from(text))).toThrow(ValidationError);
  });
});
