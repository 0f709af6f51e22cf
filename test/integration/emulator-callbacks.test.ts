import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EmulatorOptions } from '../../local/emulator/index.js';
import { type Harness, startHarness } from '../support/emulator-harness.js';
import { type Receiver, startReceiver } from '../support/emulator-receiver.js';

const REGION = 'cn-shanghai';

let h: Harness | undefined;
let receiver: Receiver;
beforeEach(async () => {
  receiver = await startReceiver();
});
afterEach(async () => {
  await h?.close();
  h = undefined;
  await receiver.close();
});

async function start(callback: EmulatorOptions['callback'] = { retryDelayMs: 0 }): Promise<Harness> {
  h = await startHarness({ callback });
  return h;
}

/** Stops then restarts a task: two status callbacks (3 then 1). */
async function stopAndRestart(harness: Harness, taskId: string): Promise<void> {
  await harness.live('StopLivePullToPush', { Region: REGION, TaskId: taskId });
  await harness.live('RestartLivePullToPush', { Region: REGION, TaskId: taskId });
  await harness.emulator.advance();
}

describe('callback bodies', () => {
  it('posts the documented fields: misspelled Event, EventTime as a string, TaskInfo with CallbackURL', async () => {
    const { emulator, clock } = await start();
    const task = emulator.addTask({ callbackUrl: receiver.url, taskName: 'show' });
    await h?.live('StopLivePullToPush', { Region: REGION, TaskId: task.taskId });
    await emulator.advance();
    expect(receiver.bodies).toEqual([
      {
        Event: 'LivePullToPushRuning',
        EventTime: String(Math.floor(clock.now() / 1000)),
        TaskId: task.taskId,
        TaskStatus: 3,
        TaskInvalidReason: 'TriggerByUser',
        TaskInfo: expect.objectContaining({
          TaskId: task.taskId,
          TaskName: 'show',
          CallbackURL: receiver.url,
        }),
      },
    ]);
    expect(emulator.callbackLog).toHaveLength(1);
    expect(emulator.callbackLog[0]).toMatchObject({ url: receiver.url, status: 200, attempt: 1 });
  });

  it('uses the correct spelling when asked', async () => {
    const { emulator } = await start({ retryDelayMs: 0, eventSpelling: 'correct' });
    const task = emulator.addTask({ callbackUrl: receiver.url });
    await stopAndRestart(h as Harness, task.taskId);
    expect(receiver.bodies.map((body) => body.Event)).toEqual([
      'LivePullToPushRunning',
      'LivePullToPushRunning',
    ]);
  });

  it('sends nothing for a task without CallbackUrl, and follows a CallbackUrl changed while running', async () => {
    const other = await startReceiver();
    try {
      const harness = await start();
      const task = harness.emulator.addTask({});
      await harness.live('StopLivePullToPush', { Region: REGION, TaskId: task.taskId });
      await harness.live('RestartLivePullToPush', { Region: REGION, TaskId: task.taskId });
      await harness.live('UpdateLivePullToPush', {
        Region: REGION,
        TaskId: task.taskId,
        CallbackUrl: other.url,
      });
      await harness.live('StopLivePullToPush', { Region: REGION, TaskId: task.taskId });
      await harness.emulator.advance();
      expect(receiver.bodies).toHaveLength(0);
      expect(other.bodies.map((body) => body.TaskStatus)).toEqual([3]);
    } finally {
      await other.close();
    }
  });
});

describe('delivery and retries', () => {
  it('retries a non-2xx answer until it succeeds', async () => {
    const { emulator } = await start();
    receiver.respondWith(500, 503);
    const task = emulator.addTask({ callbackUrl: receiver.url });
    await h?.live('StopLivePullToPush', { Region: REGION, TaskId: task.taskId });
    await emulator.advance();
    expect(emulator.callbackLog.map((entry) => [entry.attempt, entry.status])).toEqual([
      [1, 500],
      [2, 503],
      [3, 200],
    ]);
    expect(emulator.stats().callbacks).toMatchObject({ events: 1, attempts: 3, delivered: 1, failed: 0 });
  });

  it('gives up after 5 retries', async () => {
    const { emulator } = await start();
    receiver.defaultStatus = 500;
    const task = emulator.addTask({ callbackUrl: receiver.url });
    await h?.live('StopLivePullToPush', { Region: REGION, TaskId: task.taskId });
    await emulator.advance();
    expect(receiver.bodies).toHaveLength(6);
    expect(emulator.stats().callbacks).toMatchObject({ attempts: 6, delivered: 0, failed: 1, pending: 0 });
  });

  it('waits the retry delay on the emulator clock', async () => {
    const { emulator, clock } = await start({ retryDelayMs: 1000 });
    receiver.respondWith(500);
    const task = emulator.addTask({ callbackUrl: receiver.url });
    await h?.live('StopLivePullToPush', { Region: REGION, TaskId: task.taskId });
    await emulator.advance();
    expect(receiver.bodies).toHaveLength(1);
    clock.advance(999);
    await emulator.advance();
    expect(receiver.bodies).toHaveLength(1);
    clock.advance(1);
    await emulator.advance();
    expect(receiver.bodies).toHaveLength(2);
    expect(emulator.stats().callbacks.delivered).toBe(1);
  });

  it('treats a receiver slower than the timeout as a failed attempt', async () => {
    const { emulator } = await start({ retryDelayMs: 0, timeoutMs: 200, retries: 1 });
    receiver.hang(true);
    const task = emulator.addTask({ callbackUrl: receiver.url });
    await h?.live('StopLivePullToPush', { Region: REGION, TaskId: task.taskId });
    await emulator.advance();
    expect(emulator.callbackLog).toHaveLength(2);
    expect(
      emulator.callbackLog.every((entry) => entry.status === undefined && entry.error !== undefined),
    ).toBe(true);
    expect(emulator.stats().callbacks.failed).toBe(1);
  });
});

describe('callback faults', () => {
  it('drops every callback at rate 1, and exactly the next N with dropNext', async () => {
    const { emulator } = await start();
    const task = emulator.addTask({ callbackUrl: receiver.url });
    emulator.faults.setCallbacks({ drop: 1 });
    await stopAndRestart(h as Harness, task.taskId);
    expect(receiver.bodies).toHaveLength(0);
    emulator.faults.setCallbacks({ dropNext: 1 });
    await stopAndRestart(h as Harness, task.taskId);
    expect(receiver.bodies.map((body) => body.TaskStatus)).toEqual([1]);
    expect(emulator.stats().callbacks.dropped).toBe(3);
  });

  it('duplicates callbacks', async () => {
    const { emulator } = await start();
    const task = emulator.addTask({ callbackUrl: receiver.url });
    emulator.faults.setCallbacks({ duplicate: 1 });
    await stopAndRestart(h as Harness, task.taskId);
    expect(receiver.bodies.map((body) => body.TaskStatus)).toEqual([3, 3, 1, 1]);
  });

  it('delays callbacks on the emulator clock', async () => {
    const { emulator, clock } = await start();
    const task = emulator.addTask({ callbackUrl: receiver.url });
    emulator.faults.setCallbacks({ delayMs: 30_000 });
    await stopAndRestart(h as Harness, task.taskId);
    expect(receiver.bodies).toHaveLength(0);
    clock.advance(30_000);
    await emulator.advance();
    expect(receiver.bodies.map((body) => body.TaskStatus)).toEqual([3, 1]);
  });

  it('reorders consecutive callbacks', async () => {
    const { emulator } = await start();
    const task = emulator.addTask({ callbackUrl: receiver.url });
    emulator.faults.setCallbacks({ reorder: true });
    await stopAndRestart(h as Harness, task.taskId);
    expect(receiver.bodies.map((body) => body.TaskStatus)).toEqual([1, 3]);
    expect(Number(receiver.bodies[0]?.EventTime)).toBeGreaterThanOrEqual(
      Number(receiver.bodies[1]?.EventTime),
    );
  });

  it('clears callback faults', async () => {
    const { emulator } = await start();
    const task = emulator.addTask({ callbackUrl: receiver.url });
    emulator.faults.setCallbacks({ drop: 1 });
    emulator.faults.clear();
    await stopAndRestart(h as Harness, task.taskId);
    expect(receiver.bodies).toHaveLength(2);
  });
});
