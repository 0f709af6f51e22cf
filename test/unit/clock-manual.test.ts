import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../lib/clock.js';

describe('ManualClock', () => {
  it('wakes sleepers only when time passes their deadline', async () => {
    const clock = new ManualClock(1_000);
    const woke: number[] = [];
    const first = clock.sleep(100).then(() => woke.push(1));
    const second = clock.sleep(300).then(() => woke.push(2));
    expect(clock.pendingSleepers).toBe(2);
    clock.advance(150);
    await first;
    expect(woke).toEqual([1]);
    clock.advance(150);
    await second;
    expect(woke).toEqual([1, 2]);
    expect(clock.now()).toBe(1_300);
  });

  it('rejects a sleep when its signal aborts', async () => {
    const clock = new ManualClock();
    const controller = new AbortController();
    const sleeping = clock.sleep(1_000, controller.signal);
    controller.abort(new Error('stop'));
    await expect(sleeping).rejects.toThrow('stop');
    expect(clock.pendingSleepers).toBe(0);
  });
});
