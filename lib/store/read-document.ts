import { z } from 'zod';
import { StoreIncompatibleError } from '../errors.js';
import { zodIssues } from '../zod-issues.js';
import type { CollectionName } from './store-defaults.js';

/**
 * Every versioned document is parsed when it is read, never cast: a document another livewatch
 * build wrote must either read as this build's shape or fail as StoreIncompatibleError (permanent:
 * a 500 and an alert, never a 503 the sender retries forever, see docs/store.md).
 *
 * A document carries its shape's number in `format`; a document without one is format 1, the shape
 * every build before `format` wrote. When a shape changes: raise its number here, add the step that
 * turns the previous format into the new one to its `upgrades`, and keep a test that the previous
 * shape still reads (test/integration/store-document-format.test.ts). Writers need not stamp the
 * number: a document is rewritten through read-modify-write, which carries the upgraded `format` on.
 */
interface DocumentShape {
  /** The format this build writes and reads. */
  readonly format: number;
  /** The fields this build relies on, when checked here; the rest passes through as stored. */
  readonly schema?: z.ZodType<Record<string, unknown>>;
  /** `upgrades[n]` turns a format-n document into format n + 1. */
  readonly upgrades: Readonly<Record<number, (doc: Record<string, unknown>) => Record<string, unknown>>>;
}

/** The restart ledger: what the restart budget, backoff and escalation read (lib/remediate). */
const LedgerDocument = z.looseObject({
  taskId: z.string(),
  region: z.string(),
  restarts: z.array(z.number()),
  consecutive: z.number().int().nonnegative(),
  needsPerson: z.boolean(),
  lineage: z.array(z.string()),
});

const SHAPES: Readonly<Record<CollectionName, DocumentShape>> = {
  ledgers: { format: 1, schema: LedgerDocument, upgrades: {} },
  snapshots: { format: 1, upgrades: {} },
  groups: { format: 1, upgrades: {} },
  breakers: { format: 1, upgrades: {} },
  forwards: { format: 1, upgrades: {} },
  silences: { format: 1, upgrades: {} },
};

/**
 * The stored JSON of `collection`/`key` as this build's shape.
 * @throws StoreIncompatibleError for a newer format, or a document without the fields this build reads.
 */
export function readDocument<T>(collection: CollectionName, key: string, json: string): T {
  return readDocumentValue<T>(collection, key, parseJson(collection, key, json));
}

/** The same for a document already parsed from JSON (Redis stores it inside its version envelope). */
export function readDocumentValue<T>(collection: CollectionName, key: string, value: unknown): T {
  const shape = SHAPES[collection];
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new StoreIncompatibleError(`${collection} document ${key} is not an object`, {
      context: { collection, key },
    });
  }
  let doc = value as Record<string, unknown>;
  const stored = typeof doc.format === 'number' ? doc.format : 1;
  if (!Number.isInteger(stored) || stored > shape.format) {
    throw new StoreIncompatibleError(
      `${collection} document ${key} has format ${String(doc.format)}, newer than this build's ${shape.format}: upgrade livewatch`,
      { context: { collection, key, format: doc.format } },
    );
  }
  for (let format = stored; format < shape.format; format += 1) {
    const upgrade = shape.upgrades[format];
    if (upgrade === undefined) throw new Error(`no upgrade from ${collection} format ${format}`);
    doc = { ...upgrade(doc), format: format + 1 };
  }
  // Only an object with a known format is required of the others so far: no per-read copy on the
  // sweep's hot path (snapshots) until a shape change needs one.
  if (shape.schema === undefined) return doc as T;
  const parsed = shape.schema.safeParse(doc);
  if (!parsed.success) {
    const issues = zodIssues(parsed.error).map((issue) => `${issue.path || '(root)'}: ${issue.message}`);
    throw new StoreIncompatibleError(`${collection} document ${key} does not have this build's shape`, {
      context: { collection, key, issues },
    });
  }
  return parsed.data as T;
}

function parseJson(collection: CollectionName, key: string, json: string): unknown {
  try {
    return JSON.parse(json);
  } catch (error) {
    throw new StoreIncompatibleError(`${collection} document ${key} is not JSON`, {
      cause: error,
      context: { collection, key },
    });
  }
}
