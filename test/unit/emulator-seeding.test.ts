import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ValidationError } from '../../lib/errors.js';
import { loadScenarioFile, parseScenario } from '../../local/emulator/index.js';
import { generateRecordJobs, generateTasks, generateTranscodeJobs } from '../../local/emulator/scenario.js';
import { createRandom } from '../../local/emulator/seeded-random.js';

const NOW = Date.UTC(2026, 0, 1);
let dir: string | undefined;
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = undefined;
});

describe('seeded generation', () => {
  it('gives the same tasks and jobs for the same seed', () => {
    const scenario = parseScenario({ tasks: 50, records: 5, transcodes: 5 });
    const run = (seed: number) => {
      const random = createRandom(seed);
      return {
        tasks: generateTasks(scenario, random, NOW),
        records: generateRecordJobs(scenario, random, NOW),
        transcodes: generateTranscodeJobs(scenario, random, NOW),
      };
    };
    expect(run(42)).toEqual(run(42));
    expect(run(42).tasks.map((task) => task.taskId)).not.toEqual(run(43).tasks.map((task) => task.taskId));
  });

  it('spreads tasks over source types, hosts and regions, running since a past StartTime', () => {
    const tasks = generateTasks(
      parseScenario({ tasks: 300, callbackUrl: 'http://127.0.0.1:1/cb' }),
      createRandom(1),
      NOW,
    );
    expect(new Set(tasks.map((task) => task.sourceType))).toEqual(new Set(['live', 'vod', 'url']));
    expect(new Set(tasks.map((task) => task.region))).toEqual(
      new Set(['cn-shanghai', 'cn-beijing', 'ap-southeast-1']),
    );
    const hosts = new Set(
      tasks
        .filter((task) => task.sourceType === 'live')
        .map((task) => new URL(task.sourceUrls?.[0] ?? '').hostname),
    );
    expect(hosts.size).toBeGreaterThanOrEqual(3);
    const withCallback = tasks.filter((task) => task.callbackUrl !== undefined).length;
    expect(withCallback).toBeGreaterThan(100);
    expect(withCallback).toBeLessThan(200);
    for (const task of tasks) {
      expect(task.status).toBe(1);
      expect(task.startAt).toBeLessThan(NOW);
      expect(task.endAt).toBeGreaterThan(NOW + 24 * 3_600_000);
      if (task.sourceType === 'live') expect(task.sourceUrls).toHaveLength(1);
    }
  });

  it('honours regions, hosts and the source mix of a scenario', () => {
    const tasks = generateTasks(
      parseScenario({
        tasks: 40,
        regions: ['ap-southeast-5'],
        sourceHosts: ['only.example.com'],
        mix: { vod: 0, url: 0 },
      }),
      createRandom(3),
      NOW,
    );
    expect(tasks.every((task) => task.region === 'ap-southeast-5' && task.sourceType === 'live')).toBe(true);
    expect(tasks.every((task) => task.sourceUrls?.[0]?.startsWith('rtmp://only.example.com/'))).toBe(true);
  });
});

describe('scenario files', () => {
  it('loads explicit tasks with relative times and initial faults', async () => {
    dir = await mkdtemp(join(tmpdir(), 'emulator-scenario-'));
    const file = join(dir, 'scenario.json');
    await writeFile(
      file,
      JSON.stringify({
        seed: 9,
        tasks: 2,
        taskList: [
          { taskId: 'fixed-task-1', region: 'cn-beijing', startInS: 600, endInS: 7200, sourceType: 'live' },
        ],
        faults: { failSources: [{ host: 'origin-a.example.com' }] },
      }),
    );
    const scenario = await loadScenarioFile(file);
    const tasks = generateTasks(scenario, createRandom(scenario.seed ?? 1), NOW);
    expect(tasks).toHaveLength(3);
    expect(tasks[2]).toMatchObject({
      taskId: 'fixed-task-1',
      region: 'cn-beijing',
      startAt: NOW + 600_000,
      endAt: NOW + 7_200_000,
    });
    expect(scenario.faults?.failSources).toEqual([{ host: 'origin-a.example.com' }]);
  });

  it('names every bad field of an invalid scenario', async () => {
    expect(() => parseScenario({ tasks: -1, regions: ['mars-1'] })).toThrow(ValidationError);
    try {
      parseScenario({ tasks: -1, regions: ['mars-1'] });
    } catch (error) {
      expect((error as ValidationError).issues.map((issue) => issue.path).sort()).toEqual([
        'regions.0',
        'tasks',
      ]);
    }
    dir = await mkdtemp(join(tmpdir(), 'emulator-scenario-'));
    const file = join(dir, 'broken.json');
    await writeFile(file, '{ not json');
    await expect(loadScenarioFile(file)).rejects.toThrow(/not valid JSON/);
  });
});
