import { z } from 'zod';
import type { MessageContent } from './channel.js';

const AlertLineSchema = z.object({
  id: z.string(),
  status: z.enum(['firing', 'resolved']),
  title: z.string(),
  text: z.string(),
  zh: z.object({ title: z.string(), text: z.string() }).optional(),
  links: z.array(z.object({ kind: z.enum(['console', 'status']), url: z.string() })).optional(),
  startsAt: z.number(),
  endsAt: z.number().optional(),
});

const GroupSummarySchema = z.object({
  key: z.string(),
  severity: z.enum(['critical', 'warning', 'info']),
  labels: z.record(z.string(), z.string()),
  firing: z.array(AlertLineSchema),
  resolved: z.array(AlertLineSchema),
  repeat: z.boolean(),
  fresh: z.number().int().optional(),
});

const MessageContentSchema = z.object({
  groups: z.array(GroupSummarySchema),
  at: z.number(),
  pendingGroups: z.number().int().optional(),
  shrink: z.number().int().optional(),
  language: z.enum(['en', 'zh-CN']).optional(),
  timeZone: z.string().optional(),
  mentionOn: z.array(z.enum(['critical', 'warning', 'info'])).optional(),
});

/**
 * What the outbox holds per message: the channel's rendered body (secret-free; the adapter adds the
 * URL and any signature at send time) and the neutral content, so pending messages can be folded
 * into a digest or re-rendered smaller.
 */
export interface OutboxPayload {
  readonly body: unknown;
  readonly content: MessageContent;
}

const OutboxPayloadSchema = z.object({ body: z.unknown(), content: MessageContentSchema });

/** Reads a stored payload back; undefined when it is not one of ours (then the message is dead). */
export function parseOutboxPayload(value: unknown): OutboxPayload | undefined {
  const result = OutboxPayloadSchema.safeParse(value);
  return result.success ? { body: result.data.body, content: result.data.content } : undefined;
}
