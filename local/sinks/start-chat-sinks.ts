import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Clock, systemClock } from '../../lib/clock.js';
import { signDingtalk } from '../../lib/notify/sign-dingtalk.js';
import { signFeishu } from '../../lib/notify/sign-feishu.js';
import { signStandardWebhook } from '../../lib/notify/sign-standard-webhook.js';

export type SinkChannel = 'dingtalk' | 'slack' | 'feishu' | 'wecom' | 'webhook';

export interface ChatSinksOptions {
  /** 0 (default) picks a free port. Always on 127.0.0.1. */
  readonly port?: number;
  /** Time for signature windows and rate limits (a ManualClock in tests). */
  readonly clock?: Clock;
  /** When set, DingTalk requests must carry a valid `timestamp` + `sign` (加签). */
  readonly dingtalkSecret?: string;
  /** When set, DingTalk messages must contain this keyword (custom-keyword security mode). */
  readonly dingtalkKeyword?: string;
  /** When set, Feishu bodies must carry a valid `timestamp` + `sign`. */
  readonly feishuSecret?: string;
  /** When set, the generic webhook checks the Standard Webhooks signature (401 otherwise). */
  readonly webhookSecret?: string;
  /** Called for every accepted message (e.g. `npm start` prints notifications to the console). */
  readonly onMessage?: (message: ReceivedMessage) => void;
}

export interface ReceivedMessage {
  readonly channel: SinkChannel;
  /** Clock time of receipt, epoch ms. */
  readonly at: number;
  readonly body: unknown;
  /** The raw request body. */
  readonly raw: string;
  readonly headers: Readonly<Record<string, string>>;
  /** Which DingTalk robot of `dingtalkRobot(name)` received it (`default` for `urls.dingtalk`). */
  readonly robot: string;
}

export interface DingtalkRobotSecurity {
  readonly secret?: string | undefined;
  readonly keyword?: string | undefined;
}

export interface SinkReply {
  readonly channel: SinkChannel;
  readonly at: number;
  readonly status: number;
  readonly reply: string;
}

/** A canned answer: an object body is sent as JSON, a string as text/plain. */
export interface SinkFault {
  readonly status?: number;
  readonly body: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

export interface ChatSinks {
  /** Webhook URLs to put in the settings (each carries the sink's own token). */
  readonly urls: Readonly<Record<SinkChannel, string>>;
  /** Accepted messages per channel, in order. */
  readonly received: Readonly<Record<SinkChannel, ReceivedMessage[]>>;
  /** Every answer given, accepted or not. */
  readonly replies: SinkReply[];
  /** Answers the next `count` requests to `channel` with `fault` (before any other check). */
  failNext(channel: SinkChannel, count: number, fault: SinkFault): void;
  /**
   * The URL of another DingTalk robot of this sink (its own token, its own 20/min budget), with its
   * own 加签 secret and keyword when given (else the sink's `dingtalkSecret` / `dingtalkKeyword`).
   */
  dingtalkRobot(name: string, security?: DingtalkRobotSecurity): string;
  /** Answers every request to `channel` with `fault` until the sink's clock reaches `untilMs`. */
  holdUntil(channel: SinkChannel, untilMs: number, fault: SinkFault): void;
  close(): Promise<void>;
}

const SIGN_WINDOW_MS = 60 * 60_000;

/**
 * One loopback HTTP server emulating the DingTalk robot, a Slack incoming webhook, a Feishu bot, a
 * WeCom group robot and a generic (Standard Webhooks) receiver, with their signatures, rate limits,
 * size limits and error conventions (errors inside HTTP 200 where the vendor does that), and fault
 * switches for tests.
 * @example
 * const sinks = await startChatSinks({ clock, dingtalkSecret: 'SEC123' });
 * env.LIVEWATCH_DINGTALK_WEBHOOK = sinks.urls.dingtalk;
 */
export async function startChatSinks(options: ChatSinksOptions = {}): Promise<ChatSinks> {
  const clock = options.clock ?? systemClock;
  const token = {
    dingtalk: randomBytes(16).toString('hex'),
    slack: `T${randomBytes(4).toString('hex')}/B${randomBytes(4).toString('hex')}/${randomBytes(12).toString('hex')}`,
    feishu: randomBytes(16).toString('hex'),
    wecom: randomBytes(16).toString('hex'),
    webhook: randomBytes(16).toString('hex'),
  };
  const received: Record<SinkChannel, ReceivedMessage[]> = {
    dingtalk: [],
    slack: [],
    feishu: [],
    wecom: [],
    webhook: [],
  };
  const replies: SinkReply[] = [];
  const faults = new Map<SinkChannel, SinkFault[]>();
  const holds = new Map<SinkChannel, { until: number; fault: SinkFault }>();
  const sent = new Map<string, number[]>();
  const robots = new Map<string, DingtalkRobotSecurity>();

  /** Sliding-window count of accepted messages in the last `windowMs`. */
  const recent = (channel: SinkChannel, windowMs: number, robot = 'default'): number => {
    const now = clock.now();
    return (sent.get(`${channel}/${robot}`) ?? []).filter((at) => at > now - windowMs).length;
  };
  const accept = (
    channel: SinkChannel,
    raw: string,
    body: unknown,
    request: IncomingMessage,
    robot = 'default',
  ): void => {
    const at = clock.now();
    const list = sent.get(`${channel}/${robot}`) ?? [];
    list.push(at);
    // Keep only the last minute: the longest window any sink counts.
    sent.set(
      `${channel}/${robot}`,
      list.filter((time) => time > at - 60_000),
    );
    const message: ReceivedMessage = { channel, at, body, raw, headers: headersOf(request), robot };
    received[channel].push(message);
    options.onMessage?.(message);
  };

  const server = createServer((request, response) => {
    void handle(request, response).catch((error: unknown) => {
      // A bug in the sink itself: answer 500 so the client retries, and say why.
      if (!response.headersSent) response.writeHead(500, { 'content-type': 'text/plain' });
      response.end(`sink error: ${error instanceof Error ? error.message : String(error)}`);
    });
  });

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const raw = await readBody(request);
    const channel = channelOf(url.pathname);
    if (channel === undefined) {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    const reply = (status: number, body: unknown, headers: Record<string, string> = {}): undefined => {
      const text = typeof body === 'string' ? body : JSON.stringify(body);
      const type = typeof body === 'string' ? 'text/plain' : 'application/json';
      replies.push({ channel, at: clock.now(), status, reply: text });
      response.writeHead(status, { 'content-type': type, ...headers }).end(text);
    };
    const hold = holds.get(channel);
    const fault = hold && clock.now() < hold.until ? hold.fault : faults.get(channel)?.shift();
    if (fault) {
      reply(fault.status ?? 200, fault.body, { ...fault.headers });
      return;
    }
    const body = parseJson(raw);
    switch (channel) {
      case 'dingtalk':
        return dingtalk(url, raw, body, request, reply);
      case 'slack':
        return slack(url, raw, body, request, reply);
      case 'feishu':
        return feishu(url, raw, body, request, reply);
      case 'wecom':
        return wecom(url, raw, body, request, reply);
      case 'webhook':
        return webhook(url, raw, body, request, reply);
    }
  }

  type Reply = (status: number, body: unknown, headers?: Record<string, string>) => undefined;

  function dingtalk(url: URL, raw: string, body: unknown, request: IncomingMessage, reply: Reply): undefined {
    const fail = (errcode: number, errmsg: string): undefined => reply(200, { errcode, errmsg });
    if (request.method !== 'POST') return fail(43002, '需要POST请求');
    const accessToken = url.searchParams.get('access_token') ?? '';
    const robot = accessToken === token.dingtalk ? 'default' : accessToken.slice(token.dingtalk.length + 1);
    if (accessToken !== token.dingtalk && !accessToken.startsWith(`${token.dingtalk}-`))
      return fail(300001, 'token is not exist');
    if (!(request.headers['content-type'] ?? '').includes('application/json'))
      return fail(43004, 'invalid Content-Type');
    if (Buffer.byteLength(raw) > 20_000) return fail(460101, 'message too long, exceed 20000 bytes');
    if (!isObject(body)) return fail(40035, '缺少参数 json');
    const security = robots.get(robot) ?? {
      secret: options.dingtalkSecret,
      keyword: options.dingtalkKeyword,
    };
    if (security.secret) {
      const timestamp = Number(url.searchParams.get('timestamp'));
      const sign = url.searchParams.get('sign') ?? '';
      if (!Number.isFinite(timestamp) || Math.abs(clock.now() - timestamp) > SIGN_WINDOW_MS) {
        return fail(310000, 'invalid timestamp: timestamp is not within one hour');
      }
      // URLSearchParams decodes once: a sign that was not URL-encoded arrives with spaces for '+'.
      if (!safeEqual(sign, signDingtalk(security.secret, timestamp))) return fail(310000, 'sign not match');
    }
    const msgtype = body.msgtype;
    if (!['text', 'markdown', 'link', 'actionCard', 'feedCard'].includes(String(msgtype))) {
      return fail(400105, '不支持的消息类型');
    }
    if (security.keyword && !raw.includes(security.keyword)) return fail(310000, 'keywords not in content');
    // Each robot has its own 20/min budget.
    if (recent('dingtalk', 60_000, robot) >= 20)
      return fail(130101, 'send too fast, exceed 20 times per minute');
    accept('dingtalk', raw, body, request, robot);
    reply(200, { errcode: 0, errmsg: 'ok' });
  }

  function slack(url: URL, raw: string, body: unknown, request: IncomingMessage, reply: Reply): undefined {
    if (request.method !== 'POST' || url.pathname !== `/services/${token.slack}`)
      return reply(404, 'no_service');
    if (!isObject(body)) return reply(400, 'invalid_payload');
    const blocks = Array.isArray(body.blocks) ? body.blocks : undefined;
    if (typeof body.text !== 'string' && blocks === undefined) return reply(400, 'no_text');
    if (blocks && !blocksValid(blocks)) return reply(400, 'invalid_blocks');
    if (recent('slack', 1_000) >= 1) {
      return reply(429, { ok: false, error: 'rate_limited' }, { 'retry-after': '1' });
    }
    accept('slack', raw, body, request);
    reply(200, 'ok');
  }

  function feishu(url: URL, raw: string, body: unknown, request: IncomingMessage, reply: Reply): undefined {
    const fail = (code: number, msg: string): undefined => reply(200, { code, msg, data: {} });
    if (request.method !== 'POST') return reply(405, 'method not allowed');
    if (url.pathname !== `/open-apis/bot/v2/hook/${token.feishu}`)
      return fail(19001, 'param invalid: incoming webhook access token invalid');
    if (!isObject(body)) return reply(400, { code: 9499, msg: 'Bad Request', data: {} });
    if (options.feishuSecret) {
      const timestamp = Number(body.timestamp);
      const ok =
        Number.isFinite(timestamp) &&
        Math.abs(clock.now() - timestamp * 1000) <= SIGN_WINDOW_MS &&
        typeof body.sign === 'string' &&
        safeEqual(body.sign, signFeishu(options.feishuSecret, timestamp));
      if (!ok) return fail(19021, 'sign match fail or timestamp is not within one hour from current time');
    }
    if (Buffer.byteLength(raw) > 20_000) return fail(19036, 'message too large');
    if (recent('feishu', 1_000) >= 5 || recent('feishu', 60_000) >= 100)
      return fail(11232, 'frequency limited');
    accept('feishu', raw, body, request);
    reply(200, { code: 0, msg: 'success', data: {} });
  }

  function wecom(url: URL, raw: string, body: unknown, request: IncomingMessage, reply: Reply): undefined {
    const fail = (errcode: number, errmsg: string): undefined => reply(200, { errcode, errmsg });
    if (request.method !== 'POST') return fail(43002, 'require POST method');
    if (url.searchParams.get('key') !== token.wecom) return fail(93000, 'invalid webhook url');
    if (!isObject(body)) return fail(40035, 'invalid json');
    const markdown = body.markdown;
    if (
      isObject(markdown) &&
      typeof markdown.content === 'string' &&
      Buffer.byteLength(markdown.content) > 4_096
    ) {
      return fail(40058, 'markdown.content exceed max length 4096');
    }
    if (recent('wecom', 60_000) >= 20) return fail(45009, 'api freq out of limit');
    accept('wecom', raw, body, request);
    reply(200, { errcode: 0, errmsg: 'ok' });
  }

  function webhook(url: URL, raw: string, body: unknown, request: IncomingMessage, reply: Reply): undefined {
    if (request.method !== 'POST' || url.pathname !== `/webhook/${token.webhook}`)
      return reply(404, 'not found');
    if (options.webhookSecret) {
      const id = header(request, 'webhook-id');
      const timestamp = Number(header(request, 'webhook-timestamp'));
      const signatures = (header(request, 'webhook-signature') ?? '').split(' ');
      const expected = Number.isFinite(timestamp)
        ? signStandardWebhook(options.webhookSecret, id ?? '', timestamp, raw)
        : '';
      const fresh = Math.abs(clock.now() - timestamp * 1000) <= 5 * 60_000;
      if (!id || !fresh || !signatures.some((signature) => safeEqual(signature, expected))) {
        return reply(401, 'invalid signature');
      }
    }
    if (!isObject(body)) return reply(400, 'invalid json');
    accept('webhook', raw, body, request);
    reply(200, 'ok');
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const base = `http://127.0.0.1:${port}`;
  return {
    urls: {
      dingtalk: `${base}/robot/send?access_token=${token.dingtalk}`,
      slack: `${base}/services/${token.slack}`,
      feishu: `${base}/open-apis/bot/v2/hook/${token.feishu}`,
      wecom: `${base}/cgi-bin/webhook/send?key=${token.wecom}`,
      webhook: `${base}/webhook/${token.webhook}`,
    },
    received,
    replies,
    failNext(channel, count, fault) {
      const list = faults.get(channel) ?? [];
      for (let i = 0; i < count; i += 1) list.push(fault);
      faults.set(channel, list);
    },
    dingtalkRobot(name, security) {
      if (security !== undefined) robots.set(name, security);
      return `${base}/robot/send?access_token=${token.dingtalk}-${encodeURIComponent(name)}`;
    },
    holdUntil(channel, untilMs, fault) {
      holds.set(channel, { until: untilMs, fault });
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

function channelOf(pathname: string): SinkChannel | undefined {
  if (pathname === '/robot/send') return 'dingtalk';
  if (pathname.startsWith('/services/')) return 'slack';
  if (pathname.startsWith('/open-apis/bot/v2/hook/')) return 'feishu';
  if (pathname === '/cgi-bin/webhook/send') return 'wecom';
  if (pathname.startsWith('/webhook/')) return 'webhook';
  return undefined;
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

function parseJson(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    // Not JSON: each emulated endpoint answers with its own "bad request".
    return undefined;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function header(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function headersOf(request: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value !== undefined) out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/** Block Kit limits Slack enforces: ≤ 50 blocks, header ≤ 150 chars, section text 1–3000 chars. */
function blocksValid(blocks: readonly unknown[]): boolean {
  if (blocks.length > 50) return false;
  return blocks.every((block) => {
    if (!isObject(block) || !isObject(block.text) || typeof block.text.text !== 'string') return false;
    const length = block.text.text.length;
    if (block.type === 'header') return length >= 1 && length <= 150;
    if (block.type === 'section') return length >= 1 && length <= 3_000;
    return false;
  });
}

/**
 * One console line for a received message (`npm start` prints notifications this way):
 * `[dingtalk] 🔴 [CRITICAL] relay t1 offline (PullStreamFailed)`.
 */
export function summarizeSinkMessage(message: ReceivedMessage): string {
  return `[${message.channel}] ${titleOf(message.body)}`;
}

/**
 * The message as the channel shows it: the title line, then the body's lines indented — a Slack
 * digest's sections (its alerts), not only its header. Other channels print their title alone (the
 * same notice reaches Slack too, so the console does not repeat every line twice).
 */
export function renderSinkMessage(message: ReceivedMessage): string[] {
  const lines = [summarizeSinkMessage(message)];
  const body = message.body;
  if (message.channel === 'slack' && isObject(body) && Array.isArray(body.blocks)) {
    for (const block of body.blocks) {
      if (!isObject(block) || block.type !== 'section' || !isObject(block.text)) continue;
      const text = block.text.text;
      if (typeof text !== 'string') continue;
      // Slack's `<url|label>` links read as noise on a console; the status page has them.
      const plain = text.replace(/(\s*·?\s*<[^<>|]+\|[^<>]+>)+/g, '');
      lines.push(...plain.split('\n').map((line) => `    ${line.trimEnd()}`));
    }
  }
  return lines;
}

function titleOf(body: unknown): string {
  if (!isObject(body)) return '(no body)';
  const pick = (value: unknown, ...path: string[]): string | undefined => {
    let current = value;
    for (const key of path) current = isObject(current) ? current[key] : undefined;
    return typeof current === 'string' ? current : undefined;
  };
  return (
    pick(body, 'markdown', 'title') ??
    pick(body, 'content', 'post', 'zh_cn', 'title') ??
    pick(body, 'commonAnnotations', 'title') ??
    pick(body, 'text') ??
    pick(body, 'markdown', 'content')?.split('\n')[0] ??
    pick(body, 'text', 'content') ??
    JSON.stringify(body).slice(0, 200)
  );
}
