import { describe, expect, it } from 'vitest';
import { buildCallbackUrl, isOwnCallbackUrl } from '../../lib/callback/callback-url.js';
import { verifyToken } from '../../lib/callback/verify-token.js';

const CURRENT = 'current-token-0123456789';
const PREVIOUS = 'previous-token-abcdefghij';

describe('verifyToken', () => {
  it('accepts every configured token (rotation)', () => {
    expect(verifyToken(CURRENT, [CURRENT, PREVIOUS])).toBe(true);
    expect(verifyToken(PREVIOUS, [CURRENT, PREVIOUS])).toBe(true);
  });

  it.each([
    ['a wrong token', 'wrong-token-0123456789'],
    ['a prefix of a token', CURRENT.slice(0, -1)],
    ['a token with a suffix', `${CURRENT}x`],
    ['an empty string', ''],
    ['a different case', CURRENT.toUpperCase()],
  ])('rejects %s', (_name, candidate) => {
    expect(verifyToken(candidate, [CURRENT, PREVIOUS])).toBe(false);
  });

  it('accepts nothing when no token is configured', () => {
    expect(verifyToken('', [])).toBe(false);
    expect(verifyToken(CURRENT, [])).toBe(false);
  });
});

describe('buildCallbackUrl', () => {
  const config = {
    LIVEWATCH_CALLBACK_BASE_URL: 'https://abc.cn-shanghai.fcapp.run',
    LIVEWATCH_CALLBACK_TOKENS: [CURRENT, PREVIOUS],
  };

  it('builds base + /callback/<first token> + ?region=', () => {
    expect(buildCallbackUrl(config, 'cn-beijing')).toBe(
      `https://abc.cn-shanghai.fcapp.run/callback/${CURRENT}?region=cn-beijing`,
    );
  });

  it('keeps a path prefix of the base URL and ignores a trailing slash', () => {
    expect(
      buildCallbackUrl(
        { ...config, LIVEWATCH_CALLBACK_BASE_URL: 'http://127.0.0.1:8787/lw/' },
        'cn-shanghai',
      ),
    ).toBe(`http://127.0.0.1:8787/lw/callback/${CURRENT}?region=cn-shanghai`);
  });

  it('is undefined without a base URL or a token', () => {
    expect(
      buildCallbackUrl(
        { LIVEWATCH_CALLBACK_BASE_URL: undefined, LIVEWATCH_CALLBACK_TOKENS: [CURRENT] },
        'cn-shanghai',
      ),
    ).toBeUndefined();
    expect(buildCallbackUrl({ ...config, LIVEWATCH_CALLBACK_TOKENS: [] }, 'cn-shanghai')).toBeUndefined();
  });

  it('calls every URL addressed to its receiver its own, whatever the token, and nothing else', () => {
    const own = buildCallbackUrl(config, 'cn-shanghai');
    expect(isOwnCallbackUrl(config, own)).toBe(true);
    expect(isOwnCallbackUrl(config, `https://abc.cn-shanghai.fcapp.run/callback/${PREVIOUS}`)).toBe(true);
    // A rotated-out token is still our receiver: forwarding there would send the callback back to us.
    expect(isOwnCallbackUrl(config, 'https://abc.cn-shanghai.fcapp.run/callback/unknown-token-xxxxxxx')).toBe(
      true,
    );
    expect(isOwnCallbackUrl(config, 'https://abc.cn-shanghai.fcapp.run/hooks/live')).toBe(false);
    expect(isOwnCallbackUrl(config, `https://other.example.com/callback/${CURRENT}`)).toBe(false);
    expect(isOwnCallbackUrl(config, 'not a url')).toBe(false);
    expect(isOwnCallbackUrl(config, undefined)).toBe(false);
  });
});
