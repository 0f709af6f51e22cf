import { describe, expect, it } from 'vitest';
import { eventKey, type TaskEvent, TaskEventBatchSchema } from '../../lib/events/task-event.js';
import { batchEvents } from '../../lib/monitor/batch-events.js';
import { MAX_ASYNC_PAYLOAD_BYTES } from '../../lib/ports/invoker.js';
import { relayTask } from '../support/monitor-resources.js';

function eventFor(index: number, sourceUrls: readonly string[] = []): TaskEvent {
  const snapshot = relayTask({
    taskId: `task-${index}`,
    status: 3,
    name: `直播转推任务-${index}`,
    ...(sourceUrls.length > 0 ? { sourceUrls } : {}),
  });
  return {
    resource: { kind: 'relay', id: snapshot.taskId, region: snapshot.region, name: snapshot.name ?? '' },
    state: 'offline',
    previousState: 'running',
    reason: 'PullStreamFailed',
    trigger: 'transition',
    observedAt: Date.UTC(2026, 0, 1),
    source: 'poll',
    snapshot,
    key: eventKey(['test', index]),
  };
}

describe('batchEvents', () => {
  it('keeps every batch within 128 KB (UTF-8 bytes) and every event exactly once, in order', () => {
    const events = Array.from({ length: 2_000 }, (_, index) => eventFor(index));
    const batches = batchEvents(events);
    expect(batches.length).toBeGreaterThan(1);
    for (const batch of batches) {
      expect(Buffer.byteLength(batch.payload, 'utf8')).toBe(batch.bytes);
      expect(batch.bytes).toBeLessThanOrEqual(MAX_ASYNC_PAYLOAD_BYTES);
      expect(TaskEventBatchSchema.parse(JSON.parse(batch.payload))).toHaveLength(batch.events.length);
    }
    expect(batches.flatMap((batch) => batch.events.map((event) => event.key))).toEqual(
      events.map((event) => event.key),
    );
  });

  it('fills batches close to the limit rather than splitting early', () => {
    const events = Array.from({ length: 2_000 }, (_, index) => eventFor(index));
    const batches = batchEvents(events);
    for (const batch of batches.slice(0, -1))
      expect(batch.bytes).toBeGreaterThan(MAX_ASYNC_PAYLOAD_BYTES - 2_000);
  });

  it('derives the same task id for the same events and a different one for other events', () => {
    const events = Array.from({ length: 10 }, (_, index) => eventFor(index));
    const [first] = batchEvents(events);
    const [again] = batchEvents(events.map((event) => ({ ...event })));
    const [other] = batchEvents(events.slice(1));
    expect(first?.taskId).toBe(again?.taskId);
    expect(first?.taskId).not.toBe(other?.taskId);
    expect(first?.taskId).toMatch(/^[A-Za-z_][A-Za-z0-9_-]{0,127}$/);
  });

  it('sends an event too large for a batch without its snapshot', () => {
    const huge = Array.from(
      { length: 30 },
      (_, index) => `https://vod.example.com/${'x'.repeat(4_900)}-${index}.mp4`,
    );
    const batches = batchEvents([eventFor(1), eventFor(2, huge), eventFor(3)]);
    const all = batches.flatMap((batch) => batch.events);
    expect(all.map((event) => event.key)).toEqual(
      [eventFor(1), eventFor(2), eventFor(3)].map((event) => event.key),
    );
    expect(all[1]?.snapshot).toBeUndefined();
    expect(all[0]?.snapshot).toBeDefined();
    for (const batch of batches) expect(batch.bytes).toBeLessThanOrEqual(MAX_ASYNC_PAYLOAD_BYTES);
  });

  it('honours a smaller limit and returns nothing for no events', () => {
    expect(batchEvents([])).toEqual([]);
    const batches = batchEvents(
      Array.from({ length: 50 }, (_, index) => eventFor(index)),
      4_096,
    );
    for (const batch of batches) expect(batch.bytes).toBeLessThanOrEqual(4_096);
    expect(batches.reduce((sum, batch) => sum + batch.events.length, 0)).toBe(50);
  });
});
