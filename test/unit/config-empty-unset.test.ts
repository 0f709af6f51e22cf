import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../lib/config/config.js';

describe('loadConfig: an empty variable is an unset one (s.yaml passes every setting, empty when not set)', () => {
  it('falls back to the defaults instead of coercing "" to 0 or failing a minimum', () => {
    const defaults = loadConfig({});
    const empty = loadConfig({
      LIVEWATCH_GROUP_WAIT_S: '',
      LIVEWATCH_GROUP_INTERVAL_S: '',
      LIVEWATCH_SEND_RESOLVED: '',
      LIVEWATCH_LIVE_REGIONS: '',
      LIVEWATCH_FC_SIGNATURE: '',
    });
    expect(empty.LIVEWATCH_GROUP_WAIT_S).toBe(defaults.LIVEWATCH_GROUP_WAIT_S);
    expect(empty.LIVEWATCH_GROUP_WAIT_S).toBe(30);
    expect(empty.LIVEWATCH_GROUP_INTERVAL_S).toBe(300);
    expect(empty.LIVEWATCH_SEND_RESOLVED).toBe(true);
    expect(empty.LIVEWATCH_LIVE_REGIONS).toEqual(['cn-shanghai']);
    expect(empty.LIVEWATCH_FC_SIGNATURE).toBe('acs3');
  });

  it('still rejects a bad non-empty value, naming it', () => {
    expect(() => loadConfig({ LIVEWATCH_FC_SIGNATURE: 'v2' })).toThrow(/LIVEWATCH_FC_SIGNATURE/);
  });
});
