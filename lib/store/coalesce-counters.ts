/** Adds counter increments; resolves once a write that contains them has completed. */
export type AddCounters = (entries: ReadonlyArray<readonly [string, number]>) => Promise<void>;

interface Batch {
  readonly sums: Map<string, number>;
  promise?: Promise<void>;
}

/**
 * One counters write in flight at a time (docs/store.md, "Counters"): increments that arrive while a
 * write is under way are summed into the next one, so 32 concurrent callbacks cost a couple of writes,
 * not 32. Each caller's promise settles with the write that carried its increments (a failed write
 * rejects exactly its callers; nothing is retried twice or counted twice). A lone caller's write
 * starts at once (after a microtask), so nothing waits for a timer.
 * @example const add = coalesceCounters((sums) => writeHincrbyfloat(sums)); await add([['a', 1]]);
 */
export function coalesceCounters(write: (sums: ReadonlyMap<string, number>) => Promise<void>): AddCounters {
  let open: Batch | undefined;
  let inFlight: Promise<void> | undefined;

  const start = (batch: Batch): Promise<void> => {
    const previous = inFlight;
    const done = (async () => {
      // Wait for the write under way (its failure is its callers', not ours), then close this batch.
      await previous?.catch(() => undefined);
      if (open === batch) open = undefined;
      await write(batch.sums);
    })();
    inFlight = done;
    const settle = (): void => {
      if (inFlight === done) inFlight = undefined;
    };
    // Both branches handled: the rejection itself reaches the callers through `done`.
    done.then(settle, settle);
    return done;
  };

  return (entries) => {
    const batch = open ?? { sums: new Map<string, number>() };
    if (open === undefined) {
      open = batch;
      batch.promise = start(batch);
    }
    for (const [name, value] of entries) batch.sums.set(name, (batch.sums.get(name) ?? 0) + value);
    return batch.promise as Promise<void>; // set when the batch was opened, just above
  };
}
