import { ManualClock, systemClock } from '../../lib/clock.js';
import { type Emulator, type EmulatorOptions, startEmulator } from '../../local/emulator/index.js';
import { type CallOptions, callApi, callApiError, type Signer } from './emulator-clients.js';

/**
 * An emulator on a ManualClock starting at real "now", with latency 0 and signature timestamps
 * checked against the system clock (real clients sign with real time), plus short-hand callers over loopback for the Live and ICE actions.
 */
export interface Harness {
  readonly emulator: Emulator;
  readonly clock: ManualClock;
  live(
    action: string,
    query: Record<string, string>,
    options?: CallOptions,
  ): Promise<Record<string, unknown>>;
  liveError(action: string, query: Record<string, string>, options?: CallOptions): Promise<string>;
  ice(action: string, query: Record<string, string>, options?: CallOptions): Promise<Record<string, unknown>>;
  iceError(action: string, query: Record<string, string>, options?: CallOptions): Promise<string>;
  close(): Promise<void>;
}

export async function startHarness(options: EmulatorOptions = {}, signer: Signer = 'v3'): Promise<Harness> {
  const clock = new ManualClock(Math.floor(Date.now() / 1000) * 1000);
  // Signatures are checked against real time here, so tests may move the task clock by days.
  const emulator = await startEmulator({ clock, latencyMs: 0, timestampClock: systemClock, ...options });
  const ice = { version: '2020-11-09' };
  return {
    emulator,
    clock,
    live: async (action, query, options) => (await callApi(emulator, signer, action, query, options)).body,
    liveError: async (action, query, options) =>
      (await callApiError(emulator, signer, action, query, options)).code,
    ice: async (action, query, options) =>
      (await callApi(emulator, signer, action, query, { ...ice, ...options })).body,
    iceError: async (action, query, options) =>
      (await callApiError(emulator, signer, action, query, { ...ice, ...options })).code,
    close: () => emulator.close(),
  };
}

/** UTC `yyyy-MM-ddTHH:mm:ssZ` of a clock time. */
export function utc(ms: number): string {
  return `${new Date(Math.floor(ms / 1000) * 1000).toISOString().slice(0, 19)}Z`;
}
