import { afterEach, describe, expect, it } from 'vitest';
import {
  putLedger,
  putTask,
  relayTask,
  SECRETS,
  STATUS_TOKEN,
  startStatusHarness,
} from '../support/status-harness.js';

/**
 * A task whose snapshot says running but whose restart outcome is unknown, or whose verification was
 * given up on, is shown as such on the status page (list, task page, JSON) in the page's language,
 * as `livewatch status` does (docs/status-page.md). The error text is data: redacted, never a secret.
 */
type Harness = Awaited<ReturnType<typeof startStatusHarness>>;
let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

async function seed(harness: Harness): Promise<void> {
  const now = harness.clock.now();
  const restarted = await putTask(harness.store, relayTask('restarted-1'), now - 60_000);
  await putLedger(harness.store, restarted, {
    taskId: 'restarted-1',
    attempt: { at: now - 30_000, number: 1, state: 'unknown', action: 'RestartLivePullToPush' },
  });
  const blind = await putTask(harness.store, relayTask('blind-1'), now - 60_000);
  await putLedger(harness.store, blind, {
    taskId: 'blind-1',
    verifyFailures: {
      count: 5,
      since: now - 600_000,
      reportedAt: now - 10_000,
      lastError: `Forbidden.RAM: rtmp://origin.example.com/live/x?auth_key=${SECRETS.streamAuthKey}`,
    },
  });
  await putTask(harness.store, relayTask('fine-1'), now - 60_000);
}

describe('status page: what livewatch cannot tell', () => {
  it('lists both among the tasks needing attention and says why on each task page (en)', async () => {
    h = await startStatusHarness();
    await seed(h);
    const list = await (await h.get('/status/tasks?state=attention', { token: STATUS_TOKEN })).text();
    expect(list).toContain('data-key="relay:cn-shanghai:restarted-1"');
    expect(list).toContain('data-key="relay:cn-shanghai:blind-1"');
    expect(list).not.toContain('data-key="relay:cn-shanghai:fine-1"');
    expect(list).toContain('Restart outcome unknown: being verified');

    const restarted = await (await h.get('/status/tasks/restarted-1', { token: STATUS_TOKEN })).text();
    expect(restarted).toMatch(
      /<p class="note unsure" id="unsure">Restart outcome unknown: being verified<\/p>/,
    );
    const blind = await (await h.get('/status/tasks/blind-1', { token: STATUS_TOKEN })).text();
    expect(blind).toMatch(/id="unsure">Cannot verify \(5 attempts\): Forbidden\.RAM: /);
    const fine = await (await h.get('/status/tasks/fine-1', { token: STATUS_TOKEN })).text();
    expect(fine).not.toContain('id="unsure"');

    const json = await (await h.get('/status/api/tasks/blind-1', { token: STATUS_TOKEN })).text();
    expect(JSON.parse(json)).toMatchObject({ row: { unsure: { kind: 'cannot-verify', attempts: 5 } } });
    for (const page of [list, blind, json]) expect(page).not.toContain(SECRETS.streamAuthKey);
  });

  it('says it in zh-CN when the page speaks zh-CN', async () => {
    h = await startStatusHarness({ env: { LIVEWATCH_LANGUAGE: 'zh-CN' } });
    await seed(h);
    const restarted = await (await h.get('/status/tasks/restarted-1', { token: STATUS_TOKEN })).text();
    expect(restarted).toContain('重启结果未知：正在核实');
    const blind = await (await h.get('/status/tasks/blind-1', { token: STATUS_TOKEN })).text();
    expect(blind).toContain('无法核实（已尝试 5 次）：Forbidden.RAM');
  });
});
