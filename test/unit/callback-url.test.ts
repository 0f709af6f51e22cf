import { describe, expect, it } from 'vitest';
import { callbackTokenOf, classifyCallbackUrl, receiverPathOf } from '../../lib/callback/callback-url.js';

const base = 'https://lw.cn-shanghai.fcapp.run';
const tokens = ['token-current-0123456789', 'token-previous-0123456789'];

describe('classifyCallbackUrl', () => {
  it('calls an absent or blank URL missing', () => {
    expect(classifyCallbackUrl(undefined, base, tokens)).toBe('missing');
    expect(classifyCallbackUrl('  ', base, tokens)).toBe('missing');
  });

  it('recognises livewatch with any accepted token, with or without the region parameter', () => {
    expect(classifyCallbackUrl(`${base}/callback/${tokens[0]}?region=cn-shanghai`, base, tokens)).toBe(
      'ours',
    );
    expect(classifyCallbackUrl(`${base}/callback/${tokens[1]}`, base, tokens)).toBe('ours');
  });

  it('calls livewatch with another region than the task’s stale, and a URL without a region ours', () => {
    const url = `${base}/callback/${tokens[0]}?region=cn-shanghai`;
    expect(classifyCallbackUrl(url, base, tokens, 'cn-shanghai')).toBe('ours');
    expect(classifyCallbackUrl(url, base, tokens, 'cn-beijing')).toBe('ours-stale');
    expect(classifyCallbackUrl(`${base}/callback/${tokens[0]}`, base, tokens, 'cn-beijing')).toBe('ours');
  });

  it('calls a URL without a region stale for a task outside the receiver’s default region', () => {
    const url = `${base}/callback/${tokens[0]}`;
    expect(classifyCallbackUrl(url, base, tokens, 'cn-shanghai', 'cn-shanghai')).toBe('ours');
    expect(classifyCallbackUrl(url, base, tokens, 'cn-beijing', 'cn-shanghai')).toBe('ours-stale');
    expect(classifyCallbackUrl(`${url}?region=cn-beijing`, base, tokens, 'cn-beijing', 'cn-shanghai')).toBe(
      'ours',
    );
  });

  it('calls livewatch with a rotated-out token stale', () => {
    expect(classifyCallbackUrl(`${base}/callback/old-token-0123456789`, base, tokens)).toBe('ours-stale');
  });

  // The cases where the receiver and enrolment used to disagree: each is our receiver's address, but the
  // receiver refuses callbacks sent there (401), so enrolment must replace the URL, never keep it.
  it.each([
    ['a rotated-out token', `${base}/callback/old-token-0123456789`],
    ['an extra segment after the token', `${base}/callback/${tokens[0]}/extra`],
    ['a trailing slash after the token', `${base}/callback/${tokens[0]}/`],
    [
      'a %-escaped token (the receiver compares the segment undecoded)',
      `${base}/callback/token%2Dcurrent-0123456789`,
    ],
    ['no token', `${base}/callback/`],
  ])('calls our receiver with %s stale', (_case, url) => {
    expect(classifyCallbackUrl(url, base, tokens)).toBe('ours-stale');
  });

  it('calls another receiver foreign, including another host or path', () => {
    expect(classifyCallbackUrl('https://owner.example.com/hooks/live', base, tokens)).toBe('foreign');
    expect(classifyCallbackUrl(`https://evil.example.com/callback/${tokens[0]}`, base, tokens)).toBe(
      'foreign',
    );
    expect(classifyCallbackUrl(`${base}/other/${tokens[0]}`, base, tokens)).toBe('foreign');
    expect(classifyCallbackUrl('not a url', base, tokens)).toBe('foreign');
  });

  it('honours a base URL with a path and a trailing slash', () => {
    const withPath = 'https://gw.example.com/livewatch/';
    expect(
      classifyCallbackUrl(`https://gw.example.com/livewatch/callback/${tokens[0]}`, withPath, tokens),
    ).toBe('ours');
  });
});

describe('the receiver path', () => {
  it('takes the base URL path off, and only a whole leading segment', () => {
    expect(receiverPathOf('/lw/callback/x', 'https://gw.example.com/lw/')).toBe('/callback/x');
    expect(receiverPathOf('/lwx/callback/x', 'https://gw.example.com/lw')).toBe('/lwx/callback/x');
    expect(receiverPathOf('/callback/x', undefined)).toBe('/callback/x');
  });

  it('gives the token of /callback/<token> only, an empty one for other /callback/ paths', () => {
    expect(callbackTokenOf('/callback/abc')).toBe('abc');
    expect(callbackTokenOf('/callback/abc/extra')).toBe('');
    expect(callbackTokenOf('/callback/abc/')).toBe('');
    expect(callbackTokenOf('/callback')).toBe('');
    expect(callbackTokenOf('/other/abc')).toBeUndefined();
    expect(callbackTokenOf('/')).toBeUndefined();
  });
});
