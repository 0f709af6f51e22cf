import { mkdirSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanEnv, type RunningCli, spawnCli } from '../support/cli-process.js';
import { type HeadlessChromium, launchChromium, pngSize } from '../support/headless-chromium.js';

/**
 * The README's outage demo, seen through the status page in real headless Chromium: `livewatch
 * start` (emulator, local FC host, SQLite) as a user runs it, the origin of 7 tasks drops, and a
 * person opens the banner's link, filters the task list and opens a task's page.
 * Screenshots go to a temp dir; `LIVEWATCH_UPDATE_SCREENSHOTS=1` writes them to docs/status-page/.
 */
const OUTAGE_HOST = 'vod-cdn.example.org';
const SHOTS = process.env.LIVEWATCH_UPDATE_SCREENSHOTS
  ? resolve(import.meta.dirname, '..', '..', 'docs', 'status-page')
  : undefined;

let dir: string;
let start: RunningCli;
let link: string;
let origin: string;
let token: string;
let browser: HeadlessChromium;

interface ApiTasks {
  rows: Array<{ id: string; state: string; hosts: string[] }>;
}
interface ApiOverview {
  breakers: Array<{ key: string; state: string }>;
}

async function api<T>(path: string): Promise<T> {
  const response = await fetch(`${origin}${path}`, { headers: { authorization: `Bearer ${token}` } });
  expect(response.status, path).toBe(200);
  return (await response.json()) as T;
}

/** Polls a condition of the running system (it runs on the real clock); the test timeout bounds it. */
async function until<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    await new Promise((wake) => setTimeout(wake, 250));
  }
}

/** Every request the page makes must stay on livewatch's own origin (no CDN, no fonts). */
function recordRequests(page: Page): string[] {
  const urls: string[] = [];
  page.on('request', (request) => urls.push(request.url()));
  return urls;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lw-browser-'));
  start = spawnCli(['start', '--port', '0', '--emulator-port', '0'], {
    cwd: dir,
    env: cleanEnv({
      LIVEWATCH_POLL_INTERVAL_S: '1',
      LIVEWATCH_TICK_INTERVAL_S: '1',
      LIVEWATCH_GROUP_WAIT_S: '0',
      LIVEWATCH_LOG_LEVEL: 'error',
    }),
  });
  [, link = ''] = await start.output.waitFor(
    /status page\s+(http:\/\/127\.0\.0\.1:\d+\/status\?token=([\w-]+))/,
  );
  const url = new URL(link);
  origin = url.origin;
  token = url.searchParams.get('token') ?? '';
  const [, emulator] = await start.output.waitFor(/emulator\s+(http:\/\/127\.0\.0\.1:\d+)/);
  // The poller enrols every task first, so the outage arrives as callbacks and sweeps alike.
  await until(
    () => api<ApiTasks>('/status/api/tasks?limit=200'),
    (page) => page.rows.length >= 24,
  );
  const failed = await fetch(`${emulator}/_emulator/fault/fail-source`, {
    method: 'POST',
    body: JSON.stringify({ host: OUTAGE_HOST }),
  });
  expect(failed.status).toBe(200);
  // The outage is what a person would see: 7 unhealthy tasks of one host and its breaker open.
  await until(
    () => api<ApiTasks>(`/status/api/tasks?host=${OUTAGE_HOST}&state=attention`),
    (page) => page.rows.length === 7,
  );
  await until(
    () => api<ApiOverview>('/status/api/overview'),
    (overview) => overview.breakers.some((b) => b.key === `host:${OUTAGE_HOST}` && b.state === 'open'),
  );
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await start?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('status page in headless Chromium during the outage demo', () => {
  it('opens the overview from the banner link, without JavaScript, and shows the outage first', async () => {
    const page = await browser.context.newPage();
    const requests = recordRequests(page);
    const response = await page.goto(link);
    expect(response?.status()).toBe(200);
    // The token was traded for a cookie: it is gone from the address bar.
    expect(page.url()).toBe(`${origin}/status`);
    expect(await page.locator('h1').textContent()).toBe('Overview');
    const breakers = page.locator('#breakers');
    expect(await breakers.textContent()).toContain(`host:${OUTAGE_HOST}`);
    expect(await breakers.locator('.state').first().textContent()).toBe('open');
    // The 7 tasks of the failed origin are listed under "needs attention", each linking to its page.
    const attention = page.locator('#attention table.tasks tbody tr');
    expect(await attention.count()).toBeGreaterThanOrEqual(7);
    expect(await page.locator('#attention').textContent()).toContain(OUTAGE_HOST);
    expect(await page.locator('#heartbeat b').textContent()).toMatch(/^\d+ s$/);
    expect(await page.locator('#outbox').textContent()).toMatch(/pending/);
    expect(await page.locator('main').textContent()).toContain('version 0.1.0');
    expect(requests.every((url) => url.startsWith(origin))).toBe(true);
    await page.close();
  }, 60_000);

  it('filters the task list by host and state with the form, and pages stay on the filter', async () => {
    const page = await browser.context.newPage();
    await page.goto(`${origin}/status?token=${token}`);
    await page.getByRole('link', { name: 'Tasks', exact: true }).first().click();
    expect(new URL(page.url()).pathname).toBe('/status/tasks');
    expect(await page.locator('#task-list table.tasks tbody tr').count()).toBeGreaterThanOrEqual(24);
    await page.locator('input[name="host"]').fill(OUTAGE_HOST);
    await page.locator('select[name="state"]').selectOption('attention');
    await page.getByRole('button', { name: 'Apply' }).click();
    const url = new URL(page.url());
    expect(url.searchParams.get('host')).toBe(OUTAGE_HOST);
    expect(url.searchParams.get('state')).toBe('attention');
    const rows = page.locator('#task-list table.tasks tbody tr');
    expect(await rows.count()).toBe(7);
    for (const text of await rows.allTextContents()) {
      expect(text).toContain(OUTAGE_HOST);
      expect(text).toMatch(/offline|recovering/);
    }
    // Search by id narrows it to one.
    const firstId = (await rows.first().getAttribute('data-key'))?.split(':').slice(2).join(':') ?? '';
    await page.locator('input[name="q"]').fill(firstId);
    await page.getByRole('button', { name: 'Apply' }).click();
    expect(await page.locator('#task-list table.tasks tbody tr').count()).toBe(1);
    await page.close();
  }, 60_000);

  it("opens a failing task's page: state, host, budget, uptime and a timeline of what livewatch did", async () => {
    const page = await browser.context.newPage();
    await page.goto(`${origin}/status/tasks?host=${OUTAGE_HOST}&state=attention&token=${token}`);
    const first = page.locator('#task-list table.tasks tbody tr').first().locator('a').first();
    await first.click();
    expect(new URL(page.url()).pathname).toMatch(/^\/status\/tasks\/[^/]+$/);
    const facts = await page.locator('#facts').textContent();
    expect(facts).toContain(OUTAGE_HOST);
    expect(facts).toMatch(/offline|recovering/);
    expect(facts).toMatch(/Restarts\s*\d+ of \d+/);
    expect(await page.locator('#uptime .stat').count()).toBe(2);
    const timeline = page.locator('#timeline li');
    expect(await timeline.count()).toBeGreaterThanOrEqual(2);
    const categories = await timeline.locator('.cat').allTextContents();
    // The failure arrived (callback or sweep) and livewatch decided something about it.
    expect(categories).toContain('event');
    // The notice livewatch queued about it (folded into the breaker's page, but recorded).
    expect(categories).toContain('notice');
    expect(categories.some((c) => c === 'decision' || c === 'restart' || c === 'verification')).toBe(true);
    // No stream URL (with its auth key) and no token appears, only the host.
    const html = await page.content();
    expect(html).not.toMatch(/rtmp:\/\/|auth_key=[^*]|\/callback\/[\w-]{8}/);
    expect(html).not.toContain(token);
    await page.close();
  }, 60_000);

  it('fits a phone (390 px) and a desktop (1280 px): screenshots of each view', async () => {
    const out = SHOTS ?? join(dir, 'shots');
    mkdirSync(out, { recursive: true });
    const page = await browser.context.newPage();
    await page.goto(`${origin}/status?token=${token}`);
    const taskPath = await page.locator('#attention table.tasks tbody tr a').first().getAttribute('href');
    const views: Array<[string, string]> = [
      ['overview', '/status'],
      ['tasks', `/status/tasks?host=${OUTAGE_HOST}`],
      ['task', taskPath ?? '/status'],
    ];
    for (const [width, height, label] of [
      [390, 844, 'phone'],
      [1280, 900, 'desktop'],
    ] as const) {
      await page.setViewportSize({ width, height });
      for (const [name, path] of views) {
        await page.goto(`${origin}${path}`);
        // Nothing wider than the screen but the tables, which scroll inside their cards.
        const overflow = (await page.evaluate(
          'document.documentElement.scrollWidth - document.documentElement.clientWidth',
        )) as number;
        expect(overflow, `${name} at ${width} px`).toBeLessThanOrEqual(0);
        const png = await page.screenshot({ fullPage: true });
        expect(pngSize(png).width).toBe(width);
        writeFileSync(join(out, `${name}-${label}.png`), png);
      }
    }
    await page.close();
  }, 90_000);
});
