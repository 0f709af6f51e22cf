import { afterEach, describe, expect, it } from 'vitest';
import { expectFailure, runCli } from '../support/cli-process.js';
import { type RemediateHarness, startRemediateHarness } from '../support/remediate-harness.js';

/**
 * `livewatch restart` finds a task's live center among the configured ones when --region is not
 * given, names every region it searched when the task is nowhere, and prints one clean line.
 */
const HOUR = 3_600_000;
const REGIONS = 'cn-shanghai,cn-beijing,ap-southeast-1';
let h: RemediateHarness;

afterEach(async () => {
  await h?.close();
});

async function harness(): Promise<RemediateHarness> {
  // The CLI runs on real time: so does the emulator's task clock here.
  h = await startRemediateHarness({ start: Date.now(), env: { LIVEWATCH_LIVE_REGIONS: REGIONS } });
  return h;
}

const restart = (...args: string[]) =>
  runCli(['restart', ...args], { env: { PATH: process.env.PATH ?? '', ...h.env } });

function addTask(taskId: string, region: string, status: 1 | 3 = 1) {
  return h.emulator.addTask({
    taskId,
    region,
    taskName: `cli-${taskId}`,
    sourceUrls: [`rtmp://origin.example.com/live/${taskId}`],
    startAt: Date.now() - HOUR,
    endAt: Date.now() + HOUR,
    status,
    ...(status === 3 ? { invalidReason: 'PullStreamFailed' } : {}),
  });
}

describe('livewatch restart without --region', () => {
  it('finds the task in the second configured region and restarts it there', async () => {
    await harness();
    addTask('far-away', 'ap-southeast-1', 3);
    const result = await restart('far-away', '--by', 'ana', '--reason', 'OPS-7 origin back');
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toMatch(/^restarted far-away in ap-southeast-1 \(attempt #1\): offline \(.*\)\n$/);
    const history = await h.store.getHistory('relay:ap-southeast-1:far-away');
    expect(history).toHaveLength(2);
    expect(history).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ type: 'restart' }),
        expect.objectContaining({
          type: 'operator',
          message: 'restart asked by ana: OPS-7 origin back (restarted)',
          data: expect.objectContaining({ action: 'restart', actor: 'ana', reason: 'OPS-7 origin back' }),
        }),
      ]),
    );
  });

  it('--force on a running task prints one clean line', async () => {
    await harness();
    addTask('busy-one', 'cn-beijing');
    const result = await restart('busy-one', '--force');
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toMatch(
      /^restarted busy-one in cn-beijing \(attempt #1\): restart requested with --force(; resumed at file \d+, offset \d+ s)?\n$/,
    );
  });

  it('names every region searched when the task is nowhere, and writes nothing', async () => {
    await harness();
    const result = await restart('not-a-task');
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(`livewatch restart: no such task in ${REGIONS.split(',').join(', ')}\n`);
    for (const region of REGIONS.split(',')) {
      expect(await h.store.getHistory(`relay:${region}:not-a-task`)).toEqual([]);
    }
    const wrong = await restart('not-a-task', '--region', 'cn-beijing');
    expect(wrong.stderr).toBe('livewatch restart: no such task in cn-beijing\n');
  });

  it('rejects an unknown --region with the allowed ones and exit 2', async () => {
    await harness();
    const result = await restart('x', '--region', 'mars-1');
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      /^livewatch restart: --region must be one of .*cn-beijing.*, got 'mars-1'\n/,
    );
  });

  it('refuses a --reason of two lines with exit 2 and restarts nothing', async () => {
    await harness();
    addTask('kept-down', 'cn-beijing', 3);
    const result = await restart('kept-down', '--reason', 'line one\nline two');
    expectFailure(result, 2, /^livewatch restart: .*--reason.*must be one line/);
    expect(await h.store.getHistory('relay:cn-beijing:kept-down')).toEqual([]);
    expect(h.emulator.stats().actions.RestartLivePullToPush).toBeUndefined();
  });
});
