import { describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../../local/emulator/index.js';
import { cleanupAfterEach } from '../support/cleanup-after-each.js';
import { callApi, callApiError } from '../support/emulator-clients.js';
import { startHarness } from '../support/emulator-harness.js';

const LIST = { Region: 'cn-shanghai' };

const cleanup = cleanupAfterEach();

async function control(emu: Emulator, path: string, body?: unknown): Promise<Record<string, unknown>> {
  const response = await fetch(`${emu.url}/_emulator/${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    ...(body === undefined
      ? {}
      : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
  });
  expect(response.status).toBe(200);
  return (await response.json()) as Record<string, unknown>;
}

describe('API faults', () => {
  it('answers InternalError 500 at rate 1, for one action only', async () => {
    const emulator = cleanup.close(await startEmulator({ latencyMs: 0 }));
    emulator.faults.apiFaults({ kind: '5xx', rate: 1, action: 'DescribeLivePullToPushList' });
    const failure = await callApiError(emulator, 'v3', 'DescribeLivePullToPushList', LIST);
    expect(failure).toMatchObject({ code: 'InternalError', status: 500 });
    expect(
      (await callApiError(emulator, 'v3', 'DescribeLivePullToPush', { ...LIST, TaskId: 'x' })).code,
    ).toBe('CodeTaskNotExist');
    expect(emulator.stats().actions.DescribeLivePullToPushList).toMatchObject({
      calls: 1,
      errors: 1,
      faulted: 1,
    });
  });

  it('throttles every action at rate 1 and stops when the rate goes back to 0', async () => {
    const emulator = cleanup.close(await startEmulator({ latencyMs: 0 }));
    emulator.faults.apiFaults({ kind: 'throttle', rate: 1 });
    expect((await callApiError(emulator, 'v2', 'DescribeLivePullToPushList', LIST)).code).toBe(
      'Throttling.User',
    );
    expect(
      (await callApiError(emulator, 'v3', 'ListLiveRecordJobs', {}, { version: '2020-11-09' })).code,
    ).toBe('Throttling.User');
    emulator.faults.apiFaults({ kind: 'throttle', rate: 0 });
    expect((await callApi(emulator, 'v3', 'DescribeLivePullToPushList', LIST)).status).toBe(200);
    expect(emulator.stats().totals.throttled).toBe(2);
  });

  it('hangs past the client timeout', async () => {
    const emulator = cleanup.close(await startEmulator({ latencyMs: 0 }));
    emulator.faults.apiFaults({ kind: 'timeout', rate: 1, action: 'DescribeLivePullToPushList' });
    const error = await callApi(emulator, 'v3', 'DescribeLivePullToPushList', LIST, {
      readTimeoutMs: 300,
    }).then(
      () => undefined,
      (caught: unknown) => caught as { name?: string; message?: string },
    );
    expect(error?.name).toBe('RequestTimeoutError');
    expect(emulator.requests.at(-1)).toMatchObject({ action: 'DescribeLivePullToPushList', status: 0 });
  });

  it('applies a fault rate as a share of calls, reproducibly for a seed', async () => {
    const outcomes = async (): Promise<string> => {
      const emu = await startEmulator({ latencyMs: 0, seed: 7, qps: 1000 });
      emu.faults.apiFaults({ kind: '5xx', rate: 0.5 });
      let pattern = '';
      for (let i = 0; i < 40; i++) {
        pattern += await callApi(emu, 'v3', 'DescribeLivePullToPushList', LIST).then(
          () => '.',
          () => 'x',
        );
      }
      await emu.close();
      return pattern;
    };
    const first = await outcomes();
    expect(first).toMatch(/x/);
    expect(first).toMatch(/\./);
    expect(await outcomes()).toBe(first);
  });
});

describe('the control API', () => {
  it('fails and recovers a source host over HTTP, and reports the faults', async () => {
    const h = cleanup.close(await startHarness());
    const emu = h.emulator;
    const a = emu.addTask({ sourceUrls: ['rtmp://origin-a.example.com/live/1'] });
    const b = emu.addTask({ sourceUrls: ['rtmp://origin-b.example.com/live/2'] });
    const faults = await control(emu, 'fault/fail-source', { host: 'origin-a.example.com' });
    expect(faults.failedSources).toEqual([expect.objectContaining({ host: 'origin-a.example.com' })]);
    expect(emu.task(a.taskId)?.status).toBe(2);
    expect(emu.task(b.taskId)?.status).toBe(1);
    await control(emu, 'fault/recover', { host: 'origin-a.example.com' });
    h.clock.advance(60_000);
    await control(emu, 'advance', {});
    expect(emu.task(a.taskId)?.status).toBe(1);
  });

  it('rejects pushes for one task only', async () => {
    const h = cleanup.close(await startHarness());
    const emu = h.emulator;
    const a = emu.addTask({ dstUrl: 'rtmp://push.example.com/r/a' });
    const b = emu.addTask({ dstUrl: 'rtmp://push.example.com/r/b' });
    await control(emu, 'fault/reject-push', { taskId: a.taskId });
    expect(emu.task(a.taskId)).toMatchObject({ status: 2, invalidReason: 'PushStreamFailed' });
    expect(emu.task(b.taskId)?.status).toBe(1);
  });

  it('sets API faults, latency and callback faults, and clears them', async () => {
    const emulator = cleanup.close(await startEmulator({ latencyMs: 0 }));
    await control(emulator, 'fault/api', { kind: '5xx', rate: 1, action: 'DescribeLivePullToPushList' });
    await control(emulator, 'fault/latency', { ms: '10-20' });
    const described = await control(emulator, 'fault/callbacks', { dropNext: 2 });
    expect(described).toMatchObject({
      api: [{ kind: '5xx', rate: 1, action: 'DescribeLivePullToPushList' }],
      latencyMs: [10, 20],
      callbacks: { dropNext: 2 },
    });
    expect((await callApiError(emulator, 'v3', 'DescribeLivePullToPushList', LIST)).code).toBe(
      'InternalError',
    );
    const cleared = await control(emulator, 'fault/clear', {});
    expect(cleared).toMatchObject({ api: [], failedSources: [], latencyMs: 0 });
    expect((await callApi(emulator, 'v3', 'DescribeLivePullToPushList', LIST)).status).toBe(200);
  });

  it('answers 400 with the reason for a malformed control request', async () => {
    const emulator = cleanup.close(await startEmulator({ latencyMs: 0 }));
    const response = await fetch(`${emulator.url}/_emulator/fault/api`, {
      method: 'POST',
      body: JSON.stringify({ kind: 'explode', rate: 2 }),
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: string }).error).toMatch(/kind/);
  });

  it('switches restartNewTaskId and qps at run time', async () => {
    const h = cleanup.close(await startHarness());
    const oldId = h.emulator.addTask({}).taskId;
    await control(h.emulator, 'settings', { restartNewTaskId: true, qps: 50 });
    const { TaskId } = await h.live('RestartLivePullToPush', { Region: 'cn-shanghai', TaskId: oldId });
    expect(TaskId).not.toBe(oldId);
    expect(h.emulator.task(oldId)).toBeUndefined();
  });

  it('record jobs pause after 3 minutes of a failed stream and resume when it is back', async () => {
    const h = cleanup.close(await startHarness());
    const job = h.emulator.addRecordJob({ streamUrl: 'rtmp://origin-a.example.com/live/rec' });
    h.emulator.faults.failSource({ host: 'origin-a.example.com' });
    h.clock.advance(179_000);
    expect(h.emulator.recordJobs()[0]?.status).toBe('started');
    h.clock.advance(1000);
    expect((await h.ice('ListLiveRecordJobs', { Status: 'paused' })).TotalCount).toBe(1);
    h.emulator.faults.recoverSource({ host: 'origin-a.example.com' });
    expect(h.emulator.recordJobs().find((j) => j.jobId === job.jobId)?.status).toBe('started');
  });
});
