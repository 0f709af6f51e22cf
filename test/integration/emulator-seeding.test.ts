import { afterEach, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../../local/emulator/index.js';
import { callApi } from '../support/emulator-clients.js';

const started: Emulator[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((emulator) => emulator.close()));
});

async function start(options: Parameters<typeof startEmulator>[0]): Promise<Emulator> {
  const emulator = await startEmulator({ latencyMs: 0, qps: 1000, ...options });
  started.push(emulator);
  return emulator;
}

async function listIds(emulator: Emulator, region: string): Promise<string[]> {
  const ids: string[] = [];
  for (let page = 1; ; page++) {
    const { body } = await callApi(emulator, 'v3', 'DescribeLivePullToPushList', {
      Region: region,
      PageNumber: String(page),
      PageSize: '100',
    });
    const list = body.TaskList as Array<{ TaskId: string }>;
    ids.push(...list.map((task) => task.TaskId));
    if (ids.length >= Number(body.Total)) return ids;
  }
}

describe('seeded emulators', () => {
  it('serve the same tasks for the same seed', async () => {
    const a = await start({ seed: 11, tasks: 250, records: 3, transcodes: 3, regions: ['cn-shanghai'] });
    const b = await start({ seed: 11, tasks: 250, records: 3, transcodes: 3, regions: ['cn-shanghai'] });
    const idsA = await listIds(a, 'cn-shanghai');
    expect(idsA).toHaveLength(250);
    expect(await listIds(b, 'cn-shanghai')).toEqual(idsA);
    expect(a.recordJobs().map((job) => job.jobId)).toEqual(b.recordJobs().map((job) => job.jobId));
    expect(a.tasks().every((task) => task.status === 1)).toBe(true);
  });

  it('applies a scenario with explicit tasks and initial faults', async () => {
    const emulator = await start({
      scenario: {
        taskList: [
          { taskId: 'scenario-live-1', sourceUrls: ['rtmp://broken.example.com/live/a'], startInS: -60 },
          { taskId: 'scenario-later-1', startInS: 3600, endInS: 7200 },
        ],
        faults: { failSources: [{ host: 'broken.example.com' }] },
      },
    });
    expect(emulator.task('scenario-live-1')).toMatchObject({ status: 2, invalidReason: 'PullStreamFailed' });
    expect(emulator.task('scenario-later-1')?.status).toBe(0);
  });
});
