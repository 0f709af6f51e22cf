import { z } from 'zod';
import { ValidationError } from '../errors.js';
import { RELAY_STATES, type RelayTask } from '../events/resources.js';
import { type TaskEvent, TaskEventBatchSchema } from '../events/task-event.js';
import { zodIssues } from '../zod-issues.js';

/** The fields of a relay snapshot the remediation relies on; the rest is tolerated as it comes. */
const RelaySnapshotSchema = z.looseObject({
  kind: z.literal('relay'),
  taskId: z.string().min(1),
  region: z.string().min(1),
  status: z.number().int(),
  state: z.enum(RELAY_STATES),
  sourceUrls: z.array(z.string()),
  currentFileIndex: z.number().int().nonnegative().optional(),
  currentOffset: z.number().nonnegative().optional(),
});

/**
 * Validates the alert function's async payload (a JSON array of TaskEvents) at its edge.
 * Snapshots are hints: a relay snapshot that does not have the expected shape is dropped rather
 * than failing the batch; record/transcode snapshots are not used here and are dropped.
 * Throws ValidationError naming the offending paths.
 */
export function parseEventBatch(raw: unknown): TaskEvent[] {
  const parsed = TaskEventBatchSchema.safeParse(raw);
  if (!parsed.success) {
    throw new ValidationError('alert event batch', zodIssues(parsed.error).slice(0, 20));
  }
  return parsed.data.map(({ snapshot, ...event }): TaskEvent => {
    const relay = RelaySnapshotSchema.safeParse(snapshot);
    // Checked above for every field the remediation reads; the remaining RelayTask fields are optional.
    return relay.success ? { ...event, snapshot: relay.data as RelayTask } : event;
  });
}
