import type { Silence, Store } from '../store/store.js';
import { type LabelMatch, type MatchLabels, matchesLabels } from './match-labels.js';

/**
 * The first silence active at `now` whose matchers all match `labels`. `forRestarts` looks only at
 * maintenance windows (`pauseRestarts`) and ignores their notice-only matchers (severity, reason),
 * so "silence criticals of host X and pause its restarts" pauses every restart of host X.
 */
export async function activeSilenceFor(
  store: Pick<Store, 'silences'>,
  labels: MatchLabels,
  now: number,
  forRestarts = false,
): Promise<Silence | undefined> {
  for (const { value } of await store.silences.list()) {
    if (now < value.startsAt || now >= value.endsAt) continue;
    if (forRestarts && !value.pauseRestarts) continue;
    const ignore: Array<keyof LabelMatch> = forRestarts ? ['severity', 'reason'] : [];
    if (matchesLabels(value.matchers, labels, ignore)) return value;
  }
  return undefined;
}
