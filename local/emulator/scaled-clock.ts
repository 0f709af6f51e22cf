import { type Clock, systemClock } from '../../lib/clock.js';

/**
 * The system clock run `speed` times faster from the moment it is created, for demos:
 * virtual time = start + real elapsed × speed. `sleep(ms)` waits ms / speed of real time.
 */
export function createScaledClock(speed: number, base: Clock = systemClock): Clock {
  if (!(speed > 0) || !Number.isFinite(speed)) throw new RangeError(`speed must be > 0, got ${speed}`);
  if (speed === 1) return base;
  const start = base.now();
  return {
    now: () => start + (base.now() - start) * speed,
    sleep: (ms, signal) => base.sleep(ms / speed, signal),
  };
}
