import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { afterEach, describe, expect, it } from 'vitest';
import { run } from '../../bin/commands/emulator.js';
import { type Emulator, startEmulator } from '../../local/emulator/index.js';
import { callApi, callApiError } from '../support/emulator-clients.js';

let child: ChildProcess | undefined;
let emulator: Emulator | undefined;
afterEach(async () => {
  if (child && child.exitCode === null) {
    child.kill('SIGKILL');
    await once(child, 'exit');
  }
  child = undefined;
  await emulator?.close();
  emulator = undefined;
});

/** Runs the command in-process with captured output. */
async function cli(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await run(argv, { out: (line) => out.push(line), err: (line) => err.push(line) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('livewatch emulator (serve)', () => {
  it('prints the listening line and the key pair, serves signed calls, and stops on SIGTERM', async () => {
    child = spawn(
      process.execPath,
      [
        'bin/livewatch.js',
        'emulator',
        '--port',
        '0',
        '--tasks',
        '7',
        '--regions',
        'cn-beijing',
        '--latency-ms',
        '0',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
    const printed: string[] = [];
    for await (const line of lines) {
      printed.push(line);
      if (printed.length === 3) break;
    }
    const [listening, idLine, secretLine] = printed;
    expect(listening).toMatch(/^livewatch emulator listening on http:\/\/127\.0\.0\.1:\d+$/);
    const url = String(listening?.split(' ').at(-1));
    const target = {
      url,
      endpoint: url.replace('http://', ''),
      accessKey: {
        id: String(idLine?.replace('ALIBABA_CLOUD_ACCESS_KEY_ID=', '')),
        secret: String(secretLine?.replace('ALIBABA_CLOUD_ACCESS_KEY_SECRET=', '')),
      },
    };
    const { body } = await callApi(target, 'v3', 'DescribeLivePullToPushList', { Region: 'cn-beijing' });
    expect(body.Total).toBe(7);
    expect(
      (
        await callApiError(
          target,
          'pop',
          'DescribeLivePullToPushList',
          { Region: 'cn-beijing' },
          {
            accessKey: { id: target.accessKey.id, secret: 'wrong' },
          },
        )
      ).code,
    ).toBe('SignatureDoesNotMatch');
    child.kill('SIGTERM');
    const [exitCode] = await once(child, 'exit');
    expect(exitCode).toBe(0);
  });

  it.each([
    [['--latency-ms', 'fast'], /--latency-ms/],
    [['--regions', 'cn-shanghai,mars-1'], /--regions/],
    [['--access-key-id', 'LTAIx'], /go together/],
    [['--port', '-1'], /Unknown option|--port/],
    [['serve-now'], /unknown subcommand/],
  ])('rejects %j with exit code 2', async (argv, message) => {
    const result = await cli(argv);
    expect(result.code).toBe(2);
    expect(result.err).toMatch(message);
  });
});

describe('livewatch emulator fault / stats', () => {
  it.each([
    [
      ['fail-source', '--host', 'nosuch.example.com'],
      /no relay task pulls from host 'nosuch\.example\.com' \(source hosts: origin-z\.example\.com\)/,
    ],
    [
      ['reject-push', '--host', 'origin-z.example.com'],
      /no relay task pushes to host 'origin-z\.example\.com' \(destination hosts: /,
    ],
    [['fail-source', '--task', 'no-such-task'], /no relay task 'no-such-task' in this emulator \(1 tasks;/],
    [['recover', '--host', 'nosuch.example.com'], /no relay task uses host 'nosuch\.example\.com'/],
    [
      ['api', '--kind', '5xx', '--rate', '1', '--action', 'NoSuchAction'],
      /unknown action 'NoSuchAction' \(the emulator serves .*DescribeLivePullToPushList/,
    ],
  ])('rejects %j with exit code 2 and changes nothing', async (argv, message) => {
    emulator = await startEmulator({ latencyMs: 0, tasks: 0 });
    emulator.addTask({ sourceUrls: ['rtmp://origin-z.example.com/live/a'] });
    const before = emulator.faults.describe();
    const result = await cli(['fault', ...argv, '--url', emulator.url]);
    expect(result.code).toBe(2);
    expect(result.err).toMatch(/^livewatch emulator fault: the emulator refused: /);
    expect(result.err).toMatch(message);
    expect(emulator.faults.describe()).toEqual(before);
  });

  it('drives faults of a running emulator through its control API', async () => {
    emulator = await startEmulator({ latencyMs: 0, tasks: 0 });
    const task = emulator.addTask({ sourceUrls: ['rtmp://origin-z.example.com/live/a'] });
    const url = ['--url', emulator.url];

    expect((await cli(['fault', 'fail-source', '--host', 'origin-z.example.com', ...url])).code).toBe(0);
    expect(emulator.task(task.taskId)?.status).toBe(2);
    expect((await cli(['fault', 'recover', '--task', task.taskId, ...url])).code).toBe(0);
    expect(emulator.faults.describe().failedSources).toEqual([
      expect.objectContaining({ host: 'origin-z.example.com' }),
    ]);
    await cli(['fault', 'recover', ...url]);
    expect(emulator.faults.describe().failedSources).toEqual([]);

    await cli([
      'fault',
      'api',
      '--kind',
      'throttle',
      '--rate',
      '1',
      '--action',
      'DescribeLivePullToPushList',
      ...url,
    ]);
    expect(
      (await callApiError(emulator, 'v3', 'DescribeLivePullToPushList', { Region: 'cn-shanghai' })).code,
    ).toBe('Throttling.User');
    await cli(['fault', 'latency', '--ms', '5-10', ...url]);
    await cli(['fault', 'callbacks', '--drop-next', '2', '--reorder', ...url]);
    expect(emulator.faults.describe()).toMatchObject({
      latencyMs: [5, 10],
      callbacks: { dropNext: 2, reorder: true },
    });

    const stats = await cli(['stats', '--json', ...url]);
    expect(JSON.parse(stats.out).actions.DescribeLivePullToPushList).toMatchObject({
      calls: 1,
      throttled: 1,
    });
    const table = await cli(['stats', ...url]);
    expect(table.out).toMatch(/DescribeLivePullToPushList\s+1\s+0\s+1\s+1\s+1/);

    await cli(['fault', 'clear', ...url]);
    expect(
      (await callApi(emulator, 'v3', 'DescribeLivePullToPushList', { Region: 'cn-shanghai' })).status,
    ).toBe(200);
  });

  it('explains usage mistakes with exit code 2', async () => {
    emulator = await startEmulator({ latencyMs: 0 });
    const url = ['--url', emulator.url];
    expect((await cli(['fault', 'fail-source', ...url])).err).toMatch(/needs --host or --task/);
    expect((await cli(['fault', 'api', '--kind', 'boom', '--rate', '1', ...url])).code).toBe(2);
    expect((await cli(['fault', 'api', '--kind', '5xx', '--rate', '2', ...url])).code).toBe(2);
    expect((await cli(['fault', 'nonsense', ...url])).code).toBe(2);
  });

  it('fails clearly when no emulator answers', async () => {
    await expect(cli(['stats', '--url', 'http://127.0.0.1:1'])).rejects.toThrow(/cannot reach the emulator/);
  });
});
