/**
 * How a relay task's CallbackUrl relates to livewatch:
 * - `missing`: none, so the task sends no callbacks (enrol it);
 * - `ours`: livewatch's receiver with an accepted token (leave it alone);
 * - `ours-stale`: livewatch's receiver with a token no longer accepted (rotated out), or for another
 *   region than the task's — by its `?region=`, or, without one, by the receiver's default region
 *   (its callbacks would be verified, and snapshotted, in the wrong region); re-enrol, never
 *   "forward" to ourselves;
 * - `foreign`: someone else's receiver (take over only when LIVEWATCH_ENROL=takeover).
 */
export type CallbackUrlClass = 'missing' | 'ours' | 'ours-stale' | 'foreign';

export function classifyCallbackUrl(
  url: string | undefined,
  baseUrl: string,
  acceptedTokens: readonly string[],
  taskRegion?: string,
  /** The region the receiver files a callback under when its URL has no `?region=` (and no TaskInfo.Region). */
  defaultRegion?: string,
): CallbackUrlClass {
  if (url === undefined || url.trim() === '') return 'missing';
  let target: URL;
  let base: URL;
  try {
    target = new URL(url.trim());
    base = new URL(baseUrl);
  } catch {
    // A URL the platform accepted but WHATWG URL cannot parse is certainly not livewatch's.
    return 'foreign';
  }
  const prefix = `${base.pathname.replace(/\/+$/, '')}/callback/`;
  if (target.origin !== base.origin || !target.pathname.startsWith(prefix)) return 'foreign';
  const token = target.pathname.slice(prefix.length).split('/')[0] ?? '';
  if (!acceptedTokens.includes(decodeSegment(token))) return 'ours-stale';
  const region = target.searchParams.get('region') ?? defaultRegion;
  return taskRegion !== undefined && region !== undefined && region !== taskRegion ? 'ours-stale' : 'ours';
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    // A malformed %-escape cannot equal a token (tokens are [A-Za-z0-9_-]); compare it raw.
    return segment;
  }
}
