import { redactDeep } from '../lib/redact.js';

/**
 * Every `--json` output of the CLI goes through here: pretty JSON with every string redacted
 * (lib/redact.ts), the same rule the text outputs follow, so stored text (a history message, an
 * outbox error echoing a webhook) never prints a secret.
 */
export function jsonOutput(value: unknown): string {
  return JSON.stringify(redactDeep(value), null, 2);
}
