import { describe, expect, it } from 'vitest';
import { hostForLog, hostOf } from '../../lib/url-host.js';

describe('hostOf (grouping)', () => {
  it('gives the lower-case host name without the port', () => {
    expect(hostOf('rtmp://Origin.Example.com:1935/live/a?k=v')).toBe('origin.example.com');
  });

  it('is undefined for what is not a URL with a host', () => {
    expect(hostOf('a1b2c3d4e5')).toBeUndefined();
    expect(hostOf('file:///tmp/a.flv')).toBeUndefined();
  });
});

describe('hostForLog (saying something about a URL that is not ours)', () => {
  it('gives the host with its port, never the path or query', () => {
    expect(hostForLog('https://owner.example.com:8443/hook?secret=owner-secret')).toBe(
      'owner.example.com:8443',
    );
  });

  it('says unparseable rather than echoing text', () => {
    expect(hostForLog('not a url with secret-123')).toBe('unparseable URL');
  });
});
