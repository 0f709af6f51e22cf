import { describe, expect, it } from 'vitest';
import { orderScopes, planScopes } from '../../lib/monitor/sweep-scopes.js';

const settings = {
  LIVEWATCH_LIVE_REGIONS: ['cn-shanghai', 'cn-beijing'],
  LIVEWATCH_ICE_REGIONS: ['cn-shanghai'],
};

describe('planScopes', () => {
  it('lists relay tasks per live center, then record and transcode jobs per ICE region', () => {
    expect(planScopes(settings).map((scope) => scope.id)).toEqual([
      'relay:cn-shanghai',
      'relay:cn-beijing',
      'record:cn-shanghai',
      'transcode:cn-shanghai',
    ]);
  });

  it('lists a region named twice once', () => {
    const scopes = planScopes({
      LIVEWATCH_LIVE_REGIONS: ['cn-beijing', 'cn-beijing'],
      LIVEWATCH_ICE_REGIONS: [],
    });
    expect(scopes.map((scope) => scope.id)).toEqual(['relay:cn-beijing']);
  });
});

describe('orderScopes', () => {
  const scopes = planScopes(settings);

  it('starts at the first scope without a cursor', () => {
    const { order, start } = orderScopes(scopes, undefined);
    expect(order.map((scope) => scope.id)).toEqual(scopes.map((scope) => scope.id));
    expect(start).toBeUndefined();
  });

  it('continues at the cursor scope and page, then wraps around', () => {
    const { order, start } = orderScopes(scopes, { scope: 'record:cn-shanghai', page: 7 });
    expect(order.map((scope) => scope.id)).toEqual([
      'record:cn-shanghai',
      'transcode:cn-shanghai',
      'relay:cn-shanghai',
      'relay:cn-beijing',
    ]);
    expect(start).toMatchObject({ page: 7, scope: { id: 'record:cn-shanghai' } });
  });

  it('ignores a cursor for a scope that is no longer configured', () => {
    const { order, start } = orderScopes(scopes, { scope: 'relay:ap-southeast-1', page: 3 });
    expect(order[0]?.id).toBe('relay:cn-shanghai');
    expect(start).toBeUndefined();
  });
});
