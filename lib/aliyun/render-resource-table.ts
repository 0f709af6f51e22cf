/**
 * Where a source comes from, without path, query or credentials: `rtmp://u:p@host:1935/app?auth_key=…`
 * → `host:1935`. A value that is not a URL (a VOD media id) is shown shortened.
 */
export function sourceHostOf(source: string | undefined): string {
  if (source === undefined || source === '') return '-';
  try {
    const url = new URL(source);
    if (url.host !== '') return url.host;
  } catch {
    // Not a URL: a VOD media id or a bare name; fall through to the shortened form.
  }
  const bare = source.split(/[?#]/)[0] ?? '';
  return bare.length > 40 ? `${bare.slice(0, 37)}...` : bare;
}
