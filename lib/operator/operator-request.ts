import { z } from 'zod';
import { ValidationError } from '../errors.js';
import { zodIssues } from '../zod-issues.js';

/**
 * Who asks for an operator action and why: both are recorded in the history the status page shows
 * (docs/status-page.md "Operator actions"). One line each, so a timeline entry cannot be forged
 * into several.
 */
export const OperatorRequestSchema = z.object({
  actor: z
    .string()
    .trim()
    .min(1, 'who is acting is required (--by, default the login name)')
    .max(64)
    .regex(/^[^\r\n]+$/, 'must be one line'),
  reason: z
    .string()
    .trim()
    .min(3, 'say why (--reason "…", at least 3 characters)')
    .max(500)
    .regex(/^[^\r\n]+$/, 'must be one line'),
});
export type OperatorRequest = z.infer<typeof OperatorRequestSchema>;

/** Validates who and why; a bad one names the flag and changes nothing. */
export function parseOperatorRequest(input: { actor?: string; reason?: string }): OperatorRequest {
  const parsed = OperatorRequestSchema.safeParse(input);
  if (!parsed.success) {
    const issues = zodIssues(parsed.error).map((issue) => ({
      ...issue,
      path: issue.path === 'actor' ? '--by' : issue.path === 'reason' ? '--reason' : issue.path,
    }));
    throw new ValidationError('operator action', issues);
  }
  return parsed.data;
}
