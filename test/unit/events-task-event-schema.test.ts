import { describe, expect, expectTypeOf, it } from 'vitest';
import type { z } from 'zod';
import { RELAY_STATES, type RelayState, TASK_STATES, type TaskState } from '../../lib/events/resources.js';
import { relayStateOf, relayStatusOf } from '../../lib/events/states.js';
import { type TaskEvent, TaskEventSchema } from '../../lib/events/task-event.js';

describe('TaskEvent and its schema', () => {
  it('are one: the type is what the schema parses (checked by tsc, which includes the tests)', () => {
    type Parsed = z.infer<typeof TaskEventSchema>;
    expectTypeOf<TaskEvent['state']>().toEqualTypeOf<Parsed['state']>();
    expectTypeOf<TaskEvent['trigger']>().toEqualTypeOf<Parsed['trigger']>();
    expectTypeOf<TaskEvent['resource']>().toEqualTypeOf<Parsed['resource']>();
    expectTypeOf<Parsed['state']>().toEqualTypeOf<TaskState>();
  });

  it('accepts every state of every kind, and no other', () => {
    const event = {
      resource: { kind: 'relay', id: 't1', region: 'cn-shanghai' },
      trigger: 'transition',
      observedAt: 0,
      source: 'poll',
      key: 'ev_1',
    };
    for (const state of TASK_STATES)
      expect(TaskEventSchema.safeParse({ ...event, state }).success, state).toBe(true);
    expect(TaskEventSchema.safeParse({ ...event, state: 'healthy' }).success).toBe(false);
    expect(new Set(TASK_STATES).size).toBe(TASK_STATES.length);
  });

  it('lists exactly the relay states the API status numbers map to', () => {
    const mapped = new Set<RelayState>([0, 1, 2, 3, -1].map(relayStateOf));
    expect([...mapped].sort()).toEqual([...RELAY_STATES].sort());
    for (const state of RELAY_STATES) expect(relayStateOf(relayStatusOf(state))).toBe(state);
  });
});
