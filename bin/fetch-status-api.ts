import { z } from 'zod';
import { LivewatchError, ValidationError } from '../lib/errors.js';
import { registerSecrets } from '../lib/redact.js';

/** Where a deployed livewatch's status page is, and the read token for it. */
export interface StatusApiTarget {
  /** The status page URL, ending in /status (e.g. https://xxx.fcapp.run/status). */
  readonly base: string;
  readonly token: string;
}

const UrlSchema = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' });

/**
 * `--url` and `--token` (or the first of LIVEWATCH_STATUS_TOKENS) as a target. The URL may be the
 * function's root or its /status page; a token is required and is never echoed.
 */
export function statusApiTarget(url: string, token: string | undefined): StatusApiTarget {
  const parsed = UrlSchema.safeParse(url);
  if (!parsed.success) {
    throw new ValidationError('--url', [
      { path: '--url', message: `${JSON.stringify(url)} must be an http(s) URL` },
    ]);
  }
  if (token === undefined || token === '') {
    throw new ValidationError('--token', [
      { path: '--token', message: 'a status token is required (--token, or LIVEWATCH_STATUS_TOKENS)' },
    ]);
  }
  registerSecrets(token);
  const trimmed = parsed.data.replace(/[?#].*$/, '').replace(/\/+$/, '');
  return { base: trimmed.endsWith('/status') ? trimmed : `${trimmed}/status`, token };
}

/**
 * GET `<base>/api/<path>` with the Bearer token, the JSON checked against `schema`. A refused token,
 * an unknown task, a non-JSON answer or an unreachable host each get their own message.
 */
export async function fetchStatusApi<S extends z.ZodType>(
  target: StatusApiTarget,
  path: string,
  schema: S,
): Promise<z.infer<S> | undefined> {
  const url = `${target.base}/api/${path}`;
  let response: Response;
  try {
    response = await fetch(url, {
      headers: { authorization: `Bearer ${target.token}`, accept: 'application/json' },
      signal: AbortSignal.timeout(15_000),
    });
  } catch (error) {
    throw new LivewatchError(`could not reach ${url}: ${(error as Error).message}`, { cause: error });
  }
  if (response.status === 404) return undefined;
  if (response.status === 401) throw new LivewatchError(`${target.base} refused the status token (401)`);
  if (response.status !== 200) {
    throw new LivewatchError(`${url} answered ${response.status}: ${(await response.text()).slice(0, 200)}`);
  }
  const body: unknown = await response.json().catch(() => undefined);
  if (!schema.safeParse(body).success)
    throw new LivewatchError(`${url} did not answer a livewatch status view`);
  // Checked, but returned as received: `--json` prints what a newer livewatch added too.
  return body as z.infer<S>;
}
