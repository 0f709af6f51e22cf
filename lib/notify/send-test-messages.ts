import type { Clock } from '../clock.js';
import type { Config } from '../config/config.js';
import { ValidationError } from '../errors.js';
import type { Logger } from '../log.js';
import { redact } from '../redact.js';
import type { Channel, MessageContent, SendOutcome } from './channel.js';
import { createRouting, type Route } from './create-routing.js';
import { phrasesOf } from './phrases.js';
import { type HttpReply, parseJsonObject } from './post-body.js';

/** One receiver's (or one of its robots') answer to the test message. */
export interface TestReply {
  readonly receiver: string;
  readonly type: Channel['type'];
  /** The route whose language and time zone the message used. */
  readonly route: string;
  readonly outcome: SendOutcome['outcome'] | 'skipped';
  /** HTTP status of the reply; absent when none came (refused, timed out) or nothing was sent. */
  readonly httpStatus?: number | undefined;
  /** The vendor's own code in the body (DingTalk/WeCom `errcode`, Feishu `code`, Slack's text). */
  readonly vendorCode?: string | undefined;
  /** Why it failed (classified, secret-free), or what was done. */
  readonly detail: string;
}

/**
 * `livewatch notify test [--route R]`: sends one test message to every receiver (or to the
 * receivers of route R), straight to the channel — not through the outbox, so it neither waits for
 * nor disturbs pending alerts — and returns each reply as the channel classified it. Info severity,
 * so nobody is @-mentioned. Throws a ValidationError naming `--route` for an unknown route.
 * @example const replies = await sendTestMessages(config, systemClock, log, { route: 'ops-critical' });
 */
export async function sendTestMessages(
  config: Config,
  clock: Clock,
  log: Logger,
  options: { readonly route?: string | undefined } = {},
): Promise<TestReply[]> {
  const routing = createRouting(config, clock, log);
  const routes = [...routing.byId.values()];
  let targets: Array<{ channel: Channel; route: Route }>;
  if (options.route !== undefined) {
    const route = routing.byId.get(options.route);
    if (route === undefined) {
      throw new ValidationError('livewatch notify test', [
        {
          path: '--route',
          message: `${JSON.stringify(options.route)} is not a route; routes: ${routes.map((r) => r.id).join(', ')}`,
        },
      ]);
    }
    targets = routing.channels
      .filter((c) => route.receivers.includes(c.name))
      .map((channel) => ({ channel, route }));
  } else {
    targets = routing.channels.map((channel) => ({
      channel,
      route: routes.find((r) => r.receivers.includes(channel.name)) ?? routing.root,
    }));
  }
  const replies: TestReply[] = [];
  for (const { channel, route } of targets) replies.push(...(await testReceiver(channel, route, clock)));
  return replies;
}

async function testReceiver(channel: Channel, route: Route, clock: Clock): Promise<TestReply[]> {
  const base = { receiver: channel.name, type: channel.type, route: route.id };
  if (channel.type === 'log') {
    return [
      { ...base, outcome: 'skipped', detail: 'no chat receiver configured: notices go to the log only' },
    ];
  }
  const now = clock.now();
  const { title, text } = phrasesOf(route.language).test;
  const content: MessageContent = {
    groups: [
      {
        key: `test:${channel.name}`,
        severity: 'info',
        labels: { channel: channel.name, severity: 'info', kind: 'test', region: '-', reason: 'Test' },
        firing: [{ id: `test:${channel.name}:${now}`, status: 'firing', title, text, startsAt: now }],
        resolved: [],
        repeat: false,
      },
    ],
    at: now,
    language: route.language,
    timeZone: route.timeZone,
  };
  const body = channel.render(content, channel.maxBytes);
  const lanes = channel.lanes?.length ?? 1;
  const replies: TestReply[] = [];
  // A receiver rotating several robots: each robot has its own URL, secret and keyword to check.
  for (let lane = 0; lane < lanes; lane += 1) {
    let reply: HttpReply | undefined;
    const outcome = await channel.send(body, {
      messageId: `test-${channel.name}-${lane}-${now}`,
      lane,
      onReply: (r) => {
        reply = r;
      },
    });
    replies.push({
      ...base,
      receiver: lanes > 1 ? `${channel.name}#${lane + 1}` : channel.name,
      outcome: outcome.outcome,
      httpStatus: reply?.status,
      vendorCode: reply === undefined ? undefined : vendorCodeOf(reply),
      detail: outcome.outcome === 'sent' ? 'test message sent' : redact(outcome.reason),
    });
  }
  return replies;
}

/** The code a vendor put in the reply body, as a short string (never the body itself). */
function vendorCodeOf(reply: HttpReply): string | undefined {
  const body = parseJsonObject(reply.text);
  if (body !== undefined) {
    for (const key of ['errcode', 'code', 'StatusCode', 'error']) {
      const value = body[key];
      if (typeof value === 'number' || (typeof value === 'string' && /^[\w.-]{1,40}$/.test(value)))
        return String(value);
    }
    return undefined;
  }
  // Slack answers in plain text: `ok`, `invalid_payload`, `no_service`, …
  const text = reply.text.trim();
  return /^[a-z_]{1,40}$/.test(text) ? text : undefined;
}
