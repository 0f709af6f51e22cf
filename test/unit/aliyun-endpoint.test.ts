import { describe, expect, it } from 'vitest';
import { endpointOf } from '../../lib/aliyun/endpoint-of.js';
import { loadConfig } from '../../lib/config/config.js';

describe('endpointOf', () => {
  it('uses live.aliyuncs.com for every live center and the regional ICE host by default', () => {
    const config = loadConfig({});
    expect(endpointOf(config, 'live', 'ap-southeast-1')).toBe('live.aliyuncs.com');
    expect(endpointOf(config, 'ice', 'cn-beijing')).toBe('ice.cn-beijing.aliyuncs.com');
  });

  it('honours overrides, replacing {region} in the ICE template (VPC host, emulator)', () => {
    const config = loadConfig({
      LIVEWATCH_LIVE_ENDPOINT: '127.0.0.1:8788',
      LIVEWATCH_ICE_ENDPOINT: 'ice-vpc.{region}.aliyuncs.com',
    });
    expect(endpointOf(config, 'live', 'cn-shanghai')).toBe('127.0.0.1:8788');
    expect(endpointOf(config, 'ice', 'us-west-1')).toBe('ice-vpc.us-west-1.aliyuncs.com');
  });
});
