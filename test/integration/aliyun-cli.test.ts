import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RecordJob, RelayTask } from '../../lib/events/resources.js';
import { type Emulator, startEmulator } from '../../local/emulator/index.js';
import { cleanEnv, expectFailure, runCli } from '../support/cli-process.js';

/** `livewatch tasks` and `livewatch jobs`, spawned as a user would run them, against the emulator. */

/** Runs the CLI with ONLY the given environment (plus PATH/HOME), so no ambient setting leaks in. */
const livewatch = (args: string[], env: Record<string, string>) =>
  runCli(args, { env: cleanEnv({ HOME: process.env.HOME ?? '', ...env }) });

const AUTH_KEY = 'auth_key=1700000000-0-0-5f2b8cb5d3a1e9c07a4f61b2d8e0c3aa';

describe('livewatch tasks / jobs against the emulator', () => {
  let emulator: Emulator;
  let env: Record<string, string>;
  beforeAll(async () => {
    emulator = await startEmulator({ latencyMs: 0, tasks: 30, records: 2, transcodes: 2, seed: 11 });
    emulator.addTask({
      region: 'cn-shanghai',
      taskName: 'signed-source',
      sourceType: 'live',
      sourceUrls: [`rtmp://secure-origin.example.com/live/s?${AUTH_KEY}`],
      dstUrl: `rtmp://push.example.com/live/out?${AUTH_KEY}`,
      status: 3,
      invalidReason: 'PullStreamFailed',
    });
    env = {
      LIVEWATCH_LIVE_ENDPOINT: emulator.endpoint,
      LIVEWATCH_ICE_ENDPOINT: emulator.endpoint,
      LIVEWATCH_API_PROTOCOL: 'http',
      ALIBABA_CLOUD_ACCESS_KEY_ID: emulator.accessKey.id,
      ALIBABA_CLOUD_ACCESS_KEY_SECRET: emulator.accessKey.secret,
      LIVEWATCH_LIVE_REGIONS: 'cn-shanghai,cn-beijing,ap-southeast-1',
      LIVEWATCH_ICE_REGIONS: 'cn-shanghai,cn-beijing,ap-southeast-1',
    };
  });
  afterAll(async () => {
    await emulator.close();
  });

  it('prints every task of the configured live centers as JSON, with auth keys redacted', async () => {
    const run = await livewatch(['tasks', '--json'], env);
    expect(run.code).toBe(0);
    const tasks = JSON.parse(run.stdout) as RelayTask[];
    expect(new Set(tasks.map((task) => task.taskId))).toEqual(
      new Set(emulator.tasks().map((task) => task.taskId)),
    );
    expect(run.stdout).not.toContain('5f2b8cb5d3a1e9c07a4f61b2d8e0c3aa');
    const signed = tasks.find((task) => task.name === 'signed-source');
    expect(signed).toMatchObject({ state: 'offline', invalidReason: 'PullStreamFailed' });
    expect(signed?.sourceUrls[0]).toContain('secure-origin.example.com');
  });

  it('filters by region and state, and prints an aligned table with source hosts only', async () => {
    const run = await livewatch(['tasks', '--region', 'cn-shanghai', '--status', 'offline,1'], env);
    expect(run.code).toBe(0);
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^TASK ID\s+NAME\s+STATE\s+REASON\s+SOURCE\s+REGION$/);
    const signedRow = lines.find((line) => line.includes('signed-source'));
    expect(signedRow).toMatch(/offline\s+PullStreamFailed\s+secure-origin\.example\.com\s+cn-shanghai/);
    expect(run.stdout).not.toContain('auth_key');
    expect(run.stdout).not.toContain('rtmp://');
    const expected = emulator
      .tasks()
      .filter((task) => task.region === 'cn-shanghai' && (task.status === 1 || task.status === 3));
    expect(lines.at(-1)).toMatch(new RegExp(`^${expected.length} tasks`));
    // STATE starts at the same column on every row.
    const column = lines[0]?.indexOf('STATE') ?? -1;
    for (const line of lines.slice(1, expected.length + 1))
      expect(line.slice(column)).toMatch(/^(running|offline) /);
  });

  it('lists record jobs as JSON with --kind record', async () => {
    const run = await livewatch(['jobs', '--kind', 'record', '--json'], env);
    expect(run.code).toBe(0);
    const jobs = JSON.parse(run.stdout) as RecordJob[];
    expect(jobs.every((job) => job.kind === 'record')).toBe(true);
    expect(new Set(jobs.map((job) => job.jobId))).toEqual(
      new Set(emulator.recordJobs().map((job) => job.jobId)),
    );
  });

  it('prints both job kinds in one table by default', async () => {
    const run = await livewatch(['jobs'], env);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^KIND\s+JOB ID\s+NAME\s+STATE\s+REASON\s+SOURCE\s+REGION/);
    for (const job of [...emulator.recordJobs(), ...emulator.transcodeJobs()])
      expect(run.stdout).toContain(job.jobId);
  });

  it('names both AccessKey variables when credentials are missing', async () => {
    const { ALIBABA_CLOUD_ACCESS_KEY_ID: _id, ALIBABA_CLOUD_ACCESS_KEY_SECRET: _secret, ...rest } = env;
    const run = await livewatch(['tasks'], rest);
    expectFailure(run, 1, 'ALIBABA_CLOUD_ACCESS_KEY_ID');
    expect(run.stderr).toContain('ALIBABA_CLOUD_ACCESS_KEY_SECRET');
  });

  it('rejects an unknown state with usage (exit 2) before calling anything', async () => {
    const before = emulator.requests.length;
    const run = await livewatch(['tasks', '--status', 'broken'], env);
    expectFailure(run, 2, "'broken' is not one of");
    expect(emulator.requests.length).toBe(before);
  });
});
