import { describe, expect, it } from 'vitest';
import { createLogger } from '../../lib/log.js';
import { redact, redactDeep, registerSecrets } from '../../lib/redact.js';

describe('redact', () => {
  it('masks registered secrets wherever they appear', () => {
    registerSecrets('sk-verysecretvalue');
    expect(redact('key=sk-verysecretvalue; again sk-verysecretvalue')).toBe('key=***; again ***');
  });

  it('masks a registered webhook URL’s secret parts on their own: query values and path segments with digits', () => {
    registerSecrets('https://hooks.example.net/in/T9abc123/opaqueSecret77?sig=v9sigvalue1&team=ops');
    expect(redact('echo: /in/T9abc123/opaqueSecret77 sig v9sigvalue1, team ops, path /in')).toBe(
      'echo: /in/***/*** sig ***, team ops, path /in',
    );
  });

  it('masks the value of any query parameter named like a secret', () => {
    expect(
      redact('GET /x?api_key=abc123&apikey=zz9&client_secret=s3c&x-api-token=t0k&password=pw&page=2'),
    ).toBe('GET /x?api_key=***&apikey=***&client_secret=***&x-api-token=***&password=***&page=2');
  });

  it('redactDeep masks every string of a structure, keys included, and keeps other values', () => {
    registerSecrets('deep-secret-value');
    expect(
      redactDeep({
        'deep-secret-value': 1,
        list: ['a?api_key=k1', { n: 2, s: 'deep-secret-value' }],
        ok: true,
      }),
    ).toEqual({ '***': 1, list: ['a?api_key=***', { n: 2, s: '***' }], ok: true });
  });

  it('masks secret-bearing URL parts of known channels and stream URLs', () => {
    const text = [
      'https://oapi.dingtalk.com/robot/send?access_token=abc123&timestamp=1&sign=xyz',
      'https://hooks.slack.com/services/T000/B000/XXXX',
      'https://open.feishu.cn/open-apis/bot/v2/hook/0f0f-token',
      'https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=uuid-1',
      'rtmp://push.example.com/app/stream?auth_key=1700000000-0-0-abcdef',
      'https://x.fcapp.run/callback/tok_1234567890abcdef?region=cn-shanghai',
    ].join('\n');
    const out = redact(text);
    for (const secret of [
      'abc123',
      'xyz',
      'T000/B000/XXXX',
      '0f0f-token',
      'uuid-1',
      'abcdef',
      'tok_1234567890abcdef',
    ]) {
      expect(out).not.toContain(secret);
    }
    expect(out).toContain('rtmp://push.example.com/app/stream?auth_key=***');
    expect(out).toContain('?region=cn-shanghai');
  });

  it('masks passwords in URLs, keeping the user and host', () => {
    expect(redact('store redis://:hunter2secretpw@127.0.0.1:6459/0')).toBe(
      'store redis://:***@127.0.0.1:6459/0',
    );
    expect(redact('rediss://default:p%40ss@r-bp1.redis.rds.aliyuncs.com:6379')).toBe(
      'rediss://default:***@r-bp1.redis.rds.aliyuncs.com:6379',
    );
    expect(redact('redis://127.0.0.1:6379 and https://example.com:8443/x')).toBe(
      'redis://127.0.0.1:6379 and https://example.com:8443/x',
    );
  });

  it('masks an STS token echoed inside a percent-encoded string to sign', () => {
    const echoed =
      'GET&%2F&AccessKeyId%3DSTS.abc%26SecurityToken%3DCAIS9gF1q6Ft5B2yfSjIr5b%26Timestamp%3D2026';
    expect(redact(echoed)).toBe('GET&%2F&AccessKeyId%3DSTS.abc%26SecurityToken%3D***%26Timestamp%3D2026');
  });

  it('is applied to every log line', () => {
    const lines: string[] = [];
    registerSecrets('webhook-secret-123');
    const log = createLogger({ sink: (line) => lines.push(line) });
    log.info('sending', { url: 'https://hooks.slack.com/services/T1/B2/C3', secret: 'webhook-secret-123' });
    log.child({ requestId: 'r-1' }).error('failed', { error: new Error('boom webhook-secret-123') });
    expect(lines).toHaveLength(2);
    expect(lines.join('\n')).not.toMatch(/webhook-secret-123|T1\/B2\/C3/);
    expect(JSON.parse(lines[1] ?? '{}')).toMatchObject({ level: 'error', requestId: 'r-1' });
  });

  it('honours the level', () => {
    const lines: string[] = [];
    const log = createLogger({ level: 'warn', sink: (line) => lines.push(line) });
    log.info('hidden');
    log.warn('shown');
    expect(lines).toHaveLength(1);
  });
});
