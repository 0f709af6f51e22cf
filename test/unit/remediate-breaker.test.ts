import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../lib/clock.js';
import { loadConfig } from '../../lib/config/config.js';
import {
  closeBreaker,
  emptyBreaker,
  gateOf,
  recordFailure,
  reopenBreaker,
  sourceHostsOf,
  startProbe,
} from '../../lib/remediate/circuit-breaker.js';
import { policyFromConfig } from '../../lib/remediate/remediation-policy.js';

const policy = policyFromConfig(
  loadConfig({
    LIVEWATCH_BREAKER_THRESHOLD: '3',
    LIVEWATCH_BREAKER_WINDOW_S: '60',
    LIVEWATCH_BREAKER_COOLDOWN_S: '300',
  }),
);

describe('circuit breaker', () => {
  it('trips once when the threshold of failures falls within the window', () => {
    const clock = new ManualClock();
    let breaker = emptyBreaker('host:origin.example.com');
    const trips: boolean[] = [];
    for (let n = 0; n < 5; n += 1) {
      const result = recordFailure(breaker, clock.now(), policy);
      breaker = result.next;
      trips.push(result.tripped);
      clock.advance(5_000);
    }
    expect(trips).toEqual([false, false, true, false, false]);
    expect(breaker.state).toBe('open');
  });

  it('does not trip on failures spread beyond the window', () => {
    const clock = new ManualClock();
    let breaker = emptyBreaker('region:cn-shanghai');
    for (let n = 0; n < 5; n += 1) {
      breaker = recordFailure(breaker, clock.now(), policy).next;
      clock.advance(31_000);
    }
    expect(breaker.state).toBe('closed');
  });

  it('pauses during the cool-down, offers one probe after, and closes or re-opens on its verdict', () => {
    const clock = new ManualClock();
    let breaker = emptyBreaker('host:h');
    for (let n = 0; n < 3; n += 1) breaker = recordFailure(breaker, clock.now(), policy).next;
    expect(gateOf(breaker, clock.now() + 299_000, policy, 'relay:r:a')).toMatchObject({ kind: 'paused' });
    expect(gateOf(breaker, clock.now() + 300_000, policy, 'relay:r:a')).toMatchObject({
      kind: 'probe-available',
    });
    const probing = startProbe(breaker, 'relay:r:a', clock.now() + 300_000);
    expect(gateOf(probing, clock.now() + 301_000, policy, 'relay:r:b')).toMatchObject({ kind: 'paused' });
    expect(gateOf(probing, clock.now() + 301_000, policy, 'relay:r:a')).toEqual({ kind: 'closed' });
    expect(gateOf(closeBreaker(probing), clock.now(), policy, 'relay:r:b')).toEqual({ kind: 'closed' });
    const reopened = reopenBreaker(probing, clock.now() + 400_000);
    expect(gateOf(reopened, clock.now() + 500_000, policy, 'relay:r:b')).toMatchObject({ kind: 'paused' });
  });

  it('groups by source host without exposing the URL', () => {
    expect(
      sourceHostsOf({
        sourceUrls: [
          'rtmp://Origin.Example.com/app/s?auth_key=secret',
          'https://cdn.example.net/a.mp4',
          'vod-id',
        ],
      }),
    ).toEqual(['cdn.example.net', 'origin.example.com']);
  });
});
