import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classifyCallbackUrl } from '../../lib/callback/callback-url.js';
import { resourceKey } from '../../lib/events/resources.js';
import { OLD_TOKEN, startCallbackHarness, TOKEN } from '../support/fc-callback-harness.js';
import { fixtureBuffer } from '../support/fc-context.js';

// Enrolment leaves a task's CallbackUrl alone exactly when the receiver accepts callbacks sent to it:
// each URL is classified by the rule and then posted, by its path, to the real callback function.
const BASE = 'https://gw.example.com/livewatch';

type Harness = Awaited<ReturnType<typeof startCallbackHarness>>;
let h: Harness;

beforeAll(async () => {
  h = await startCallbackHarness({ env: { LIVEWATCH_CALLBACK_BASE_URL: `${BASE}/` } });
});
afterAll(async () => {
  await h.close();
});

describe('the callback-URL rule and the receiver agree', () => {
  it.each([
    ['the current token', `/livewatch/callback/${TOKEN}`, 'ours', 200],
    ['a token still accepted during rotation', `/livewatch/callback/${OLD_TOKEN}`, 'ours', 200],
    ['a rotated-out token', '/livewatch/callback/rotated-out-token-0123', 'ours-stale', 401],
    ['an extra segment', `/livewatch/callback/${TOKEN}/extra`, 'ours-stale', 401],
    ['a trailing slash', `/livewatch/callback/${TOKEN}/`, 'ours-stale', 401],
    ['a %-escaped token', `/livewatch/callback/${TOKEN.replace('-', '%2D')}`, 'ours-stale', 401],
    ['another path on our host', `/livewatch/hooks/${TOKEN}`, 'foreign', 404],
  ])('%s', async (_case, path, kind, status) => {
    expect(classifyCallbackUrl(`https://gw.example.com${path}`, BASE, [TOKEN, OLD_TOKEN])).toBe(kind);
    const response = await h.send({ path, body: fixtureBuffer('callbacks/running-doc-sample.json') });
    expect(response.statusCode).toBe(status);
  });
});

describe('forwarding a taken-over task', () => {
  it('never forwards to our own receiver, even under a rotated-out token', async () => {
    const received: string[] = [];
    const server = createServer((req, res) => {
      received.push(req.url ?? '');
      res.end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const own = await startCallbackHarness({ env: { LIVEWATCH_CALLBACK_BASE_URL: origin } });
    try {
      const key = resourceKey({ kind: 'relay', region: 'cn-shanghai', id: 'task-stopped-1' });
      // The original URL of a task once taken over from an earlier livewatch of the same address.
      await own.store.forwards.put(
        key,
        { originalUrl: `${origin}/callback/rotated-out-token-0123`, since: 0 },
        null,
      );
      const response = await own.send({ body: fixtureBuffer('callbacks/offline-by-user.json') });
      expect(response.statusCode).toBe(200);
      expect(own.invocations()).toHaveLength(1);
      expect(received).toEqual([]);

      // Someone else's path on that host is forwarded.
      const other = resourceKey({ kind: 'relay', region: 'cn-shanghai', id: 'task-exit-1' });
      await own.store.forwards.put(other, { originalUrl: `${origin}/owner/hook`, since: 0 }, null);
      await own.send({ body: fixtureBuffer('callbacks/exit-over-end-time.json') });
      expect(received).toEqual(['/owner/hook']);
    } finally {
      await own.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
