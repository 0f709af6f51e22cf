import { describe, expect, it } from 'vitest';
import { recordStateOf, relayStateOf, relayStatusOf, transcodeStateOf } from '../../lib/events/states.js';

describe('states: the API status numbers and strings as livewatch states', () => {
  it('maps each documented relay TaskStatus and reads anything else as exited', () => {
    expect([0, 1, 2, 3, -1].map(relayStateOf)).toEqual([
      'idle',
      'running',
      'recovering',
      'offline',
      'exited',
    ]);
    expect([4, -2, 1.5].map(relayStateOf)).toEqual(['exited', 'exited', 'exited']);
    expect(relayStatusOf('recovering')).toBe(2);
    expect(relayStatusOf('exited')).toBe(-1);
  });

  it('keeps the three record statuses and reads any other string as gone', () => {
    expect(['initial', 'started', 'paused'].map(recordStateOf)).toEqual(['initial', 'started', 'paused']);
    expect(['stopped', 'Started', 'toString', ''].map(recordStateOf)).toEqual([
      'gone',
      'gone',
      'gone',
      'gone',
    ]);
  });

  it('maps transcode Status 0, 1, 2 and reads any other number as gone', () => {
    expect([0, 1, 2].map(transcodeStateOf)).toEqual(['not-started', 'running', 'stopped']);
    expect([3, -1, 1.5, Number.NaN].map(transcodeStateOf)).toEqual(['gone', 'gone', 'gone', 'gone']);
  });
});
