import type { z } from 'zod';
import type { InputIssue } from './errors.js';

/** Flattens zod issues into livewatch's `InputIssue`s (dotted path + message), never echoing input values. */
export function zodIssues(error: z.ZodError): InputIssue[] {
  return error.issues.map((issue) => ({
    path: issue.path.map((part) => String(part)).join('.'),
    message: issue.message,
  }));
}
