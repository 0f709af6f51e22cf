import type { Clock } from '../clock.js';
import type { Config } from '../config/config.js';
import { resourceKey } from '../events/resources.js';
import type { TaskEvent } from '../events/task-event.js';
import type { Invoker } from '../ports/invoker.js';
import type { Store, StoredSnapshot, VersionedCollection } from '../store/store.js';
import { emitEvents } from './emit-events.js';
import { type ReconcileOutcome, revertSnapshot, type SnapshotWrite } from './reconcile-snapshot.js';
import type { SweepError } from './sweep-report.js';
import type { SweepTally } from './sweep-tally.js';

export interface SettleDeps {
  readonly config: Pick<Config, 'LIVEWATCH_ALERT_FUNCTION' | 'LIVEWATCH_INBOX_REDELIVER_S'>;
  readonly invoker: Invoker;
  /** For the event inbox the events are added to before they are invoked. */
  readonly store: Store;
  readonly clock: Clock;
  readonly snapshots: VersionedCollection<StoredSnapshot>;
  readonly dryRun: boolean;
}

/**
 * Emits the events of reconciled snapshots to the alert function and undoes the writes whose events
 * were not delivered, so the next sweep sees the same change again. Returns what it did.
 */
export async function settleOutcomes(
  deps: SettleDeps,
  outcomes: readonly ReconcileOutcome[],
  scope: string,
): Promise<Omit<SweepTally, 'tasks'>> {
  const writes = new Map<string, SnapshotWrite>();
  const events: TaskEvent[] = [];
  const errors: SweepError[] = [];
  let conflicts = 0;
  for (const outcome of outcomes) {
    conflicts += outcome.conflicts;
    if (outcome.gaveUp) {
      errors.push({
        scope,
        operation: 'write',
        message: 'snapshot kept changing (compare-and-set); next sweep',
      });
    }
    if (outcome.write) writes.set(outcome.write.key, outcome.write);
    events.push(...outcome.events);
  }
  const settled = { errors, batches: 0, snapshotWrites: writes.size, conflicts };
  if (events.length === 0) return { ...settled, delivered: [] };
  if (deps.dryRun) return { ...settled, delivered: events };
  const now = deps.clock.now();
  const emitted = await emitEvents(
    {
      invoker: deps.invoker,
      functionName: deps.config.LIVEWATCH_ALERT_FUNCTION,
      store: deps.store,
      now,
      redeliverAt: now + deps.config.LIVEWATCH_INBOX_REDELIVER_S * 1000,
    },
    events,
  );
  for (const failure of emitted.failed) {
    errors.push({ scope, operation: 'invoke', message: failure.error });
    for (const key of new Set(failure.batch.events.map((event) => resourceKey(event.resource)))) {
      const write = writes.get(key);
      if (write !== undefined) await revertSnapshot(deps.snapshots, write);
    }
  }
  return { ...settled, batches: emitted.batches, delivered: emitted.delivered };
}
