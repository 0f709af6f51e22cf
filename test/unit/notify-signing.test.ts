import { describe, expect, it } from 'vitest';
import { signDingtalk, signDingtalkUrl } from '../../lib/notify/sign-dingtalk.js';
import { signFeishu } from '../../lib/notify/sign-feishu.js';
import { signStandardWebhook } from '../../lib/notify/sign-standard-webhook.js';

describe('DingTalk signature (chat-channels.md §1.2 vectors)', () => {
  it.each([
    [
      'this is secret',
      1577262236757,
      'hmPWwU+7lVdm3ZZz0r9tSfx0L4Q26jWOZr9+Gs6EZQM=',
      'hmPWwU%2B7lVdm3ZZz0r9tSfx0L4Q26jWOZr9%2BGs6EZQM%3D',
    ],
    [
      'SEC0123456789abcdef',
      1700000000000,
      'TSZbRFUuvaSQaRKUpF970OPCb2/LcQAP3wOvwZIzBZk=',
      'TSZbRFUuvaSQaRKUpF970OPCb2%2FLcQAP3wOvwZIzBZk%3D',
    ],
  ])('signs %s at %d', (secret, timestamp, base64, encoded) => {
    expect(signDingtalk(secret, timestamp)).toBe(base64);
    expect(signDingtalkUrl('https://oapi.dingtalk.com/robot/send?access_token=t', secret, timestamp)).toBe(
      `https://oapi.dingtalk.com/robot/send?access_token=t&timestamp=${timestamp}&sign=${encoded}`,
    );
  });

  it('URL-encodes the sign exactly once', () => {
    const url = new URL(
      signDingtalkUrl('https://x/robot/send?access_token=t', 'this is secret', 1577262236757),
    );
    expect(url.searchParams.get('sign')).toBe('hmPWwU+7lVdm3ZZz0r9tSfx0L4Q26jWOZr9+Gs6EZQM=');
  });
});

describe('Feishu signature (chat-channels.md §3 vectors)', () => {
  it.each([
    ['this is secret', 1599360473, '/eYKrXQBzTjUZJ3s6NX16VxGbTwmK7AEs8/FnvC1CSw='],
    ['demo', 1700000000, '8oT2n3SMKFfEnDoiwer8BUM/SjKLwe9SqoEIHlhDTKo='],
  ])(
    'signs %s at %d with the timestamp+secret as key and an empty message',
    (secret, timestamp, expected) => {
      expect(signFeishu(secret, timestamp)).toBe(expected);
    },
  );
});

describe('Standard Webhooks signature (operations-anchors.md §6 published vector)', () => {
  it('reproduces the reference library vector with a whsec_ secret', () => {
    expect(
      signStandardWebhook(
        'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
        'msg_p5jXN8AQM9LWM0D4loKWxJek',
        1614265330,
        '{"test": 2432232314}',
      ),
    ).toBe('v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
  });

  it('uses a secret without the whsec_ prefix as raw bytes', () => {
    const raw = signStandardWebhook(
      'MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
      'msg_p5jXN8AQM9LWM0D4loKWxJek',
      1614265330,
      '{"test": 2432232314}',
    );
    expect(raw).toMatch(/^v1,/);
    expect(raw).not.toBe('v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
  });
});
