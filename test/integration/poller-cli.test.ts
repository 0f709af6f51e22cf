import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SweepReport } from '../../lib/monitor/sweep-report.js';
import { createStore } from '../../lib/store/create-store.js';
import { type Emulator, startEmulator } from '../../local/emulator/index.js';
import { cleanEnv, expectFailure, expectSuccess, runCli } from '../support/cli-process.js';
import { emulatorEnv } from '../support/emulator-stack.js';
import { startFcApiServer } from '../support/fc-api-server.js';

const sweep = (args: string[], env: Record<string, string>) =>
  runCli(['sweep', ...args], { env: cleanEnv(env) });

describe('livewatch sweep (CLI, spawned against the emulator)', () => {
  let emulator: Emulator;
  let dir: string;
  let env: Record<string, string>;
  let offlineId: string;

  beforeAll(async () => {
    emulator = await startEmulator({ latencyMs: 0, qps: 200 });
    for (let index = 0; index < 3; index += 1) emulator.addTask({ taskName: `ok-${index}` });
    offlineId = emulator.addTask({ taskName: 'broken', status: 3, invalidReason: 'PullStreamFailed' }).taskId;
    emulator.addRecordJob({ status: 'started' });
    dir = await mkdtemp(join(tmpdir(), 'livewatch-sweep-cli-'));
    env = { ...emulatorEnv(emulator, dir), LIVEWATCH_ACCOUNT_ID: '1234567890' };
  });
  afterAll(async () => {
    await emulator.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('prints tasks by state, what changed and the API calls, and by default changes nothing', async () => {
    const result = await sweep([], env);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^dry run .*complete/);
    expect(result.stdout).toMatch(/relay\s+running\s+3/);
    expect(result.stdout).toMatch(/relay\s+offline\s+1/);
    expect(result.stdout).toMatch(/record\s+started\s+1/);
    expect(result.stdout).toContain(offlineId);
    expect(result.stdout).toMatch(
      /API calls: 3 \(DescribeLivePullToPushList 1, ListLiveRecordJobs 1, ListLiveTranscodeJobs 1\)/,
    );
    expect(result.stdout).not.toContain(emulator.accessKey.secret);
    const store = await createStore(env.LIVEWATCH_STORE_URL ?? '');
    try {
      expect(await store.snapshots.list()).toEqual([]);
      expect(await store.getHeartbeat()).toBeUndefined();
    } finally {
      await store.close();
    }
  });

  it('prints the full report with --json', async () => {
    const result = await sweep(['--json'], env);
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout) as SweepReport;
    expect(report.dryRun).toBe(true);
    expect(report.events.map((event) => [event.resource.id, event.state])).toEqual([[offlineId, 'offline']]);
    expect(report.tasks.relay).toEqual({ running: 3, offline: 1 });
  });

  it('with --invoke writes the store and invokes the alert function over the FC API', async () => {
    const fc = await startFcApiServer(emulator.accessKey.secret, (_request, response) => {
      response.writeHead(202, { 'x-fc-request-id': 'req-1' }).end();
    });
    try {
      const result = await sweep(['--invoke', '--json'], { ...env, LIVEWATCH_FC_ENDPOINT: fc.url });
      expectSuccess(result);
      const report = JSON.parse(result.stdout) as SweepReport;
      expect(report.dryRun).toBe(false);
      expect(fc.received).toHaveLength(1);
      expect(fc.received[0]).toMatchObject({
        method: 'POST',
        path: '/2023-03-30/functions/livewatch-alert/invocations',
      });
      expect(fc.received[0]?.headers['x-fc-invocation-type']).toBe('Async');
      expect(JSON.parse(fc.received[0]?.body ?? '[]')).toEqual([
        expect.objectContaining({ state: 'offline' }),
      ]);
      const store = await createStore(env.LIVEWATCH_STORE_URL ?? '');
      try {
        expect(await store.snapshots.list()).toHaveLength(5);
        expect((await store.getHeartbeat())?.complete).toBe(true);
      } finally {
        await store.close();
      }
    } finally {
      await fc.close();
    }
  });

  it('rejects a bad flag with usage and exit code 2', async () => {
    const result = await sweep(['--budget-ms', 'soon'], env);
    expectFailure(result, 2, 'usage: livewatch sweep');
  });
});
