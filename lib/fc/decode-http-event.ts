import { z } from 'zod';
import { ValidationError } from '../errors.js';
import type { HttpRequest } from '../ports/http-request.js';
import { zodIssues } from '../zod-issues.js';

// FC documents string → string maps; tolerate arrays (joined like FC joins repeated values) and null.
const StringMap = z
  .record(z.string(), z.union([z.string(), z.array(z.string()), z.number(), z.boolean(), z.null()]))
  .optional()
  .nullable();

/** FC 3.0 HTTP trigger event (https://www.alibabacloud.com/help/en/functioncompute/fc-3-0/user-guide/http-trigger-invoking-function). */
const HttpTriggerEventSchema = z.looseObject({
  version: z.string().optional(),
  rawPath: z.string().min(1, 'must not be empty').max(8192).startsWith('/', 'must start with /'),
  headers: StringMap,
  queryParameters: StringMap,
  body: z.string().optional().nullable(),
  isBase64Encoded: z.boolean().optional().nullable(),
  requestContext: z.looseObject({
    http: z.looseObject({
      method: z.string().regex(/^[A-Za-z]{1,16}$/, 'must be an HTTP method'),
      path: z.string().optional(),
    }),
  }),
});

const BASE64 = /^[A-Za-z0-9+/\r\n]*={0,2}$/;

/**
 * Decodes the FC HTTP-trigger event Buffer into an `HttpRequest`. A malformed event (not JSON,
 * missing method/path, a body flagged base64 that is not base64) throws `ValidationError`.
 * @example const request = decodeHttpEvent(event); // event: the Buffer FC passes to the handler
 */
export function decodeHttpEvent(event: Buffer): HttpRequest {
  let raw: unknown;
  try {
    raw = JSON.parse(event.toString('utf8'));
  } catch (error) {
    throw new ValidationError('HTTP trigger event', [{ path: '', message: 'is not JSON' }], { cause: error });
  }
  const parsed = HttpTriggerEventSchema.safeParse(raw);
  if (!parsed.success) throw new ValidationError('HTTP trigger event', zodIssues(parsed.error));
  const value = parsed.data;
  const text = value.body ?? '';
  let body: Buffer;
  if (value.isBase64Encoded === true) {
    if (!BASE64.test(text)) {
      throw new ValidationError('HTTP trigger event', [
        { path: 'body', message: 'is flagged base64 but is not' },
      ]);
    }
    body = Buffer.from(text, 'base64');
  } else {
    body = Buffer.from(text, 'utf8');
  }
  const queryIndex = value.rawPath.indexOf('?');
  return {
    method: value.requestContext.http.method.toUpperCase(),
    path: queryIndex === -1 ? value.rawPath : value.rawPath.slice(0, queryIndex),
    headers: flatten(value.headers, true),
    query: flatten(value.queryParameters, false),
    body,
  };
}

function flatten(
  map: Record<string, string | string[] | number | boolean | null> | null | undefined,
  lowerCaseKeys: boolean,
): Record<string, string> {
  // A null-prototype object, so a header or parameter named `__proto__` stays plain data.
  const out: Record<string, string> = Object.create(null) as Record<string, string>;
  if (!map) return out;
  for (const [key, value] of Object.entries(map)) {
    if (value === null) continue;
    const name = lowerCaseKeys ? key.toLowerCase() : key;
    const text = Array.isArray(value) ? value.join(',') : String(value);
    // Two spellings of one header (Content-Type and content-type) are joined, like repeated values.
    out[name] = name in out ? `${out[name]},${text}` : text;
  }
  return out;
}
