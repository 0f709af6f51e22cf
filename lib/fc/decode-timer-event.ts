import { z } from 'zod';
import { ValidationError } from '../errors.js';
import { zodIssues } from '../zod-issues.js';

/** An FC 3.0 timer-trigger invocation (https://help.aliyun.com/document_detail/2513615.html). */
export interface TimerEvent {
  /** RFC 3339, e.g. `2023-12-26T07:49:00Z`. */
  readonly triggerTime: string;
  readonly triggerName: string;
  /** The configured payload: parsed when it is JSON, else the string itself; undefined when absent or empty. */
  readonly payload: unknown;
}

const TimerEventSchema = z.looseObject({
  triggerTime: z.string().min(1),
  triggerName: z.string().min(1),
  payload: z.string().optional().nullable(),
});

/**
 * Decodes a timer-trigger event Buffer. The payload is a string in FC, so JSON inside it is parsed
 * again here. A malformed event throws `ValidationError`.
 * @example const { triggerName, payload } = decodeTimerEvent(event);
 */
export function decodeTimerEvent(event: Buffer): TimerEvent {
  let raw: unknown;
  try {
    raw = JSON.parse(event.toString('utf8'));
  } catch (error) {
    throw new ValidationError('timer trigger event', [{ path: '', message: 'is not JSON' }], {
      cause: error,
    });
  }
  const parsed = TimerEventSchema.safeParse(raw);
  if (!parsed.success) throw new ValidationError('timer trigger event', zodIssues(parsed.error));
  const { triggerTime, triggerName, payload } = parsed.data;
  return { triggerTime, triggerName, payload: parsePayload(payload) };
}

function parsePayload(payload: string | null | undefined): unknown {
  if (payload === undefined || payload === null || payload === '') return undefined;
  try {
    return JSON.parse(payload) as unknown;
  } catch {
    // Not JSON: FC payloads are free text (e.g. "awesome-fc"), so the string itself is the payload.
    return payload;
  }
}
