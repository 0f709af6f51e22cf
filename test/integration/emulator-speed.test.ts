import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from '../support/emulator-harness.js';
import { type Receiver, startReceiver } from '../support/emulator-receiver.js';

/**
 * The demo speed factor shortens the platform's durations, never the clock: every time the
 * emulator reports (callbacks, task views) is its clock's time, so a store fed during a demo
 * holds no times in the future (docs/emulator.md, "Speed").
 */
const SPEED = 10;
const REGION = 'cn-shanghai';

let h: Harness;
let receiver: Receiver;
beforeEach(async () => {
  receiver = await startReceiver();
  h = await startHarness({ speed: SPEED, callback: { retryDelayMs: 0, timeoutMs: 2000 } });
});
afterEach(async () => {
  await h.close();
  await receiver.close();
});

describe('emulator speed factor', () => {
  it('runs the platform retries RetryInterval / speed apart and stamps events with the real time', async () => {
    const task = h.emulator.addTask({
      sourceUrls: ['rtmp://origin-a.example.com/live/one'],
      callbackUrl: receiver.url,
      retryCount: 3,
      retryInterval: 60,
    });
    const t0 = h.clock.now();
    h.emulator.faults.failSource({ taskId: task.taskId });
    h.clock.advance(17_000);
    await h.emulator.advance();
    expect(h.emulator.task(task.taskId)?.status).toBe(2);
    h.clock.advance(1_000);
    await h.emulator.advance();
    const view = await h.live('DescribeLivePullToPush', { Region: REGION, TaskId: task.taskId });
    // The API still shows the task's own settings: speed is how the demo runs, not what it reports.
    expect(view).toMatchObject({ TaskStatus: 3, TaskInfo: { RetryInterval: 60 } });
    await receiver.waitFor(2);
    expect(receiver.bodies.map((body) => [body.TaskStatus, Number(body.EventTime)])).toEqual([
      [2, Math.floor(t0 / 1000)],
      [3, Math.floor((t0 + 18_000) / 1000)],
    ]);
    expect(h.clock.now() - t0).toBe(18_000);
  });

  it('plays VOD files speed times faster', () => {
    const task = h.emulator.addTask({
      sourceType: 'vod',
      sourceUrls: ['m1', 'm2'],
      fileDurations: [100, 200],
      currentOffset: 0,
      startAt: h.clock.now(),
    });
    h.clock.advance(15_000);
    expect(h.emulator.task(task.taskId)).toMatchObject({ currentFileIndex: 1, currentOffset: 50 });
  });

  it('pauses a record job after 3 min / speed of lost stream', async () => {
    const job = h.emulator.addRecordJob({ streamUrl: 'rtmp://origin-b.example.com/live/rec' });
    h.emulator.faults.failSource({ host: 'origin-b.example.com' });
    h.clock.advance(17_000);
    expect(h.emulator.recordJobs().find((j) => j.jobId === job.jobId)?.status).toBe('started');
    h.clock.advance(1_000);
    expect(h.emulator.recordJobs().find((j) => j.jobId === job.jobId)?.status).toBe('paused');
  });
});
