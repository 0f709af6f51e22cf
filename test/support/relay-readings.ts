import { READING_CHOICES, type ReadingsInput } from '../../local/emulator/index.js';

/**
 * The readings matrix the relay-task suites run across (`describe.each(RELAY_READINGS)`): every
 * documented reading of the pages the emulator models (docs/emulator.md, "Readings") appears in at
 * least one row, combined so that three rows cover them all and CI time stays flat. Row 0 is the
 * emulator's default (the most likely reading); the others are the harmful or less likely ones.
 */
export const RELAY_READINGS: ReadonlyArray<{ readonly name: string; readonly readings: ReadingsInput }> = [
  { name: 'default readings', readings: {} },
  {
    name: 'TriggerByUser as exit reason, Offset on the start file, retries 20 s late',
    readings: { userStop: 'exit-reason', offsetAppliesTo: 'start-file', retryLagMs: 20_000 },
  },
  {
    name: 'stops with no reason, answers lost after the action, finished playlists stop, retries 0–25 s late',
    readings: { userStop: 'no-reason', faultPhase: 'after', vodEnd: 'stops', retryLagMs: [0, 25_000] },
  },
];

/** Every choice of every relay reading, for the test that the matrix covers them all. */
export function uncoveredReadingChoices(): string[] {
  const relay = ['userStop', 'faultPhase', 'vodEnd', 'offsetAppliesTo'] as const;
  const missing: string[] = [];
  for (const name of relay) {
    for (const choice of READING_CHOICES[name]) {
      const covered = RELAY_READINGS.some(
        ({ readings }) => (readings[name] ?? READING_CHOICES[name][0]) === choice,
      );
      if (!covered) missing.push(`${name}=${choice}`);
    }
  }
  const lags = RELAY_READINGS.map(({ readings }) => readings.retryLagMs ?? 0);
  if (!lags.some((lag) => typeof lag === 'number' && lag > 0)) missing.push('retryLagMs=fixed');
  if (!lags.some((lag) => typeof lag !== 'number')) missing.push('retryLagMs=range');
  return missing;
}

/**
 * The row the relay suites run under: `LIVEWATCH_TEST_READINGS=<row index>` (set per vitest
 * project in vitest.config.ts), row 0 (the emulator's default) when unset. A bad index throws, so a
 * typo never silently runs the default row.
 */
export function activeRelayReadings(env: NodeJS.ProcessEnv = process.env): (typeof RELAY_READINGS)[number] {
  const raw = env.LIVEWATCH_TEST_READINGS;
  if (raw === undefined || raw === '') return RELAY_READINGS[0] as (typeof RELAY_READINGS)[number];
  const row = /^\d+$/.test(raw) ? RELAY_READINGS[Number(raw)] : undefined;
  if (!row) {
    throw new Error(
      `LIVEWATCH_TEST_READINGS=${JSON.stringify(raw)}: must be a row index 0-${RELAY_READINGS.length - 1} of test/support/relay-readings.ts`,
    );
  }
  return row;
}
