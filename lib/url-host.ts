/**
 * The host of a URL, in the two ways livewatch needs one. Both never throw: a relay source may be a
 * VOD media id, and a task's CallbackUrl is free text to us.
 */

/**
 * The host name to group by (lower-case, no port), or undefined for what is not a URL with a host
 * (a VOD media id). Breakers per source host and the emulator's per-host faults use it.
 * @example hostOf('rtmp://Origin.example.com:1935/live/a') // 'origin.example.com'
 */
export function hostOf(url: string): string | undefined {
  try {
    const host = new URL(url).hostname.toLowerCase();
    return host === '' ? undefined : host;
  } catch {
    // Not a URL: it has no host.
    return undefined;
  }
}

/**
 * What may be said about someone else's URL in a log line or history entry: its host (with port)
 * only, since its path or query may carry the owner's secret in a parameter redaction does not know
 * (`?secret=…`); `unparseable URL` rather than echoing text that might be a secret.
 * @example hostForLog('https://owner.example.com:8443/hook?secret=x') // 'owner.example.com:8443'
 */
export function hostForLog(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return 'unparseable URL';
  }
}
