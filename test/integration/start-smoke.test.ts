import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, Output } from '../support/cli-process.js';

/**
 * `npm start` is the quick start: it must bring the whole system up on a fresh machine and heal an
 * outage with nothing configured. This spawns `livewatch start` as a user would (in an empty working
 * directory, default settings but faster timers), breaks a source in the emulator and waits for the
 * notification that the system printed about it.
 */
let dir: string;
let child: ChildProcessWithoutNullStreams;
const stdout = new Output();

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'livewatch-start-'));
  child = spawn(process.execPath, [CLI, 'start', '--port', '0', '--emulator-port', '0', '--tasks', '12'], {
    cwd: dir,
    env: {
      PATH: process.env.PATH ?? '',
      LIVEWATCH_POLL_INTERVAL_S: '1',
      LIVEWATCH_TICK_INTERVAL_S: '1',
      LIVEWATCH_GROUP_WAIT_S: '0',
      LIVEWATCH_LOG_LEVEL: 'error',
    },
  });
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => stdout.push(chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => stdout.push(chunk));
});

afterAll(async () => {
  if (child.exitCode === null) child.kill('SIGKILL');
  await rm(dir, { recursive: true, force: true });
});

describe('livewatch start', () => {
  it('serves the callback function with a healthy store', async () => {
    const [, url] = await stdout.waitFor(/livewatch running on (http:\/\/127\.0\.0\.1:\d+)/);
    const health = await fetch(`${url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ ok: true, store: 'ok' });
    // The callback token is generated and never printed.
    expect(stdout.text).toContain('/callback/***');
  }, 60_000);

  it('prints the status page link with its token, which opens the page', async () => {
    const [, link] = await stdout.waitFor(/status page\s+(http:\/\/127\.0\.0\.1:\d+\/status\?token=[\w-]+)/);
    const first = await fetch(link as string, { redirect: 'manual' });
    // The token is traded for a session cookie and dropped from the address.
    expect(first.status).toBe(303);
    expect(first.headers.get('location')).toMatch(/\/status$/);
    const cookie = (first.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    const page = await fetch(new URL('/status', link), { headers: { cookie } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('livewatch');
    const anonymous = await fetch(new URL('/status', link));
    expect(anonymous.status).toBe(401);
    const [, token, metricsUrl] = await stdout.waitFor(/Bearer ([\w-]+)' (http:\/\/\S+\/metrics)/);
    const metrics = await fetch(metricsUrl as string, { headers: { authorization: `Bearer ${token}` } });
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toContain('# TYPE livewatch_');
  }, 60_000);

  it('notices a source outage and reports it on the chat sinks', async () => {
    const [, emulatorUrl] = await stdout.waitFor(/emulator\s+(http:\/\/127\.0\.0\.1:\d+)/);
    const [, host] = await stdout.waitFor(/fail-source --host (\S+)/);
    // Callbacks (once the poller has enrolled the tasks) or the next sweep report the outage.
    const failed = await fetch(`${emulatorUrl}/_emulator/fault/fail-source`, {
      method: 'POST',
      body: JSON.stringify({ host }),
    });
    expect(failed.status).toBe(200);
    const [line] = await stdout.waitFor(
      /\[(dingtalk|slack)\][^\n]*(recovering|offline|restarted|resumed)[^\n]*/,
    );
    expect(line).toMatch(/relay/);
  }, 120_000);

  it('stops cleanly on SIGTERM', async () => {
    const exited = new Promise<number | null>((resolveExit) =>
      child.once('exit', (code) => resolveExit(code)),
    );
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  }, 30_000);
});
