import { z } from 'zod';

/**
 * The parts of the status JSON API (docs/status-page.md) the CLI prints, checked where they enter.
 * Fields a newer livewatch adds are kept (the body is returned as received once it passes). The local views (lib/status) satisfy the same
 * types, so one renderer prints both.
 */
const TaskRowSchema = z.object({
  id: z.string(),
  kind: z.string(),
  region: z.string(),
  name: z.string().optional(),
  state: z.string(),
  reason: z.string().optional(),
  since: z.number(),
  hosts: z.array(z.string()).readonly(),
  needsPerson: z.boolean(),
  restartsUsed: z.number(),
  restartBudget: z.number(),
  nextCheckAt: z.number().optional(),
});

const UptimeSchema = z.object({
  windowMs: z.number(),
  knownMs: z.number(),
  upMs: z.number(),
  ratio: z.number().optional(),
});

export const TaskViewSchema = z.object({
  now: z.number(),
  row: TaskRowSchema,
  lineage: z.array(z.string()).readonly(),
  escalatedAt: z.number().optional(),
  uptime: z.object({ day: UptimeSchema, week: UptimeSchema }),
  timeline: z
    .array(
      z.object({
        at: z.number(),
        type: z.string(),
        category: z.string(),
        message: z.string(),
        source: z.string().optional(),
        actor: z.string().optional(),
      }),
    )
    .readonly(),
});
export type TaskViewData = z.infer<typeof TaskViewSchema>;

export const OverviewSchema = z.object({
  now: z.number(),
  version: z.string(),
  total: z.number(),
  byKindState: z.record(z.string(), z.record(z.string(), z.number())),
  byRegion: z.record(
    z.string(),
    z.object({ total: z.number(), unhealthy: z.number(), needsPerson: z.number() }),
  ),
  attention: z.array(TaskRowSchema).readonly(),
  attentionTotal: z.number(),
  breakers: z
    .array(
      z.object({
        key: z.string(),
        state: z.string(),
        failuresInWindow: z.number(),
        openedAt: z.number().optional(),
      }),
    )
    .readonly(),
  silences: z
    .array(
      z.object({
        id: z.string(),
        endsAt: z.number(),
        createdBy: z.string(),
        comment: z.string(),
        active: z.boolean(),
      }),
    )
    .readonly(),
  heartbeat: z.object({ ageS: z.number().optional(), stale: z.boolean(), lastError: z.string().optional() }),
  outbox: z.object({ pending: z.number(), sent: z.number(), dead: z.number() }),
});
export type OverviewData = z.infer<typeof OverviewSchema>;
