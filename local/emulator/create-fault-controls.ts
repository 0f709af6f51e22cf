import type { Clock } from '../../lib/clock.js';
import type { EmulatorFaults } from './emulator-types.js';
import type { FaultState } from './faults.js';

/**
 * The emulator's fault controls. A change of health takes effect at the clock time it is made, so
 * each one evaluates the life cycle up to now first (what happened before the change happened
 * under the old faults) and again after (the change's own transitions, at once).
 */
export function createFaultControls(faults: FaultState, clock: Clock, evaluate: () => void): EmulatorFaults {
  const around = (change: () => void): void => {
    evaluate();
    change();
    evaluate();
  };
  return {
    failSource: (selector) => around(() => faults.failSource(selector, clock.now())),
    recoverSource: (selector = {}) => around(() => faults.recoverSource(selector)),
    rejectPush: (selector) => around(() => faults.rejectPush(selector, clock.now())),
    acceptPush: (selector = {}) => around(() => faults.acceptPush(selector)),
    apiFaults: (fault) => faults.setApiFault(fault),
    setLatency: (ms) => faults.setLatency(ms),
    setCallbacks: (callbackFaults) => faults.setCallbacks(callbackFaults),
    clear: () => around(() => faults.clear()),
    describe: () => faults.describe(),
  };
}
