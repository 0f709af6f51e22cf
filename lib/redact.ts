/**
 * Secrets never reach logs, messages or pages. Everything that leaves the process as text goes
 * through `redact`: it masks registered secrets (AccessKey secrets, webhook tokens, callback
 * tokens) wherever they appear, and the secret-bearing parts of URLs we know about: Live auth
 * keys (`auth_key=`), DingTalk `access_token=`/`sign=`, WeCom `key=`, Feishu and Slack hook paths,
 * livewatch's own `/callback/<token>` path, passwords in URLs (`redis://:pw@host`), and the value of any
 * query parameter whose name says it is secret (`api_key=`, `client_secret=`, `password=`…), so a vendor's
 * error body echoing a request is masked by value, not only by the names we know.
 */
const registered = new Set<string>();

/**
 * Registers secret values to be masked wherever they appear. Values shorter than 6 chars are ignored.
 * A URL (a webhook) also registers its secret-bearing parts on their own — every query value and every
 * path segment with a digit in it (Slack's `/services/T…/B…/<secret>`, Feishu's hook id, a generic
 * webhook's token path) — because an endpoint's error body may echo a part without the whole URL.
 */
export function registerSecrets(...values: ReadonlyArray<string | undefined>): void {
  for (const value of values) {
    if (!value || value.length < 6) continue;
    registered.add(value);
    for (const part of secretPartsOf(value)) registered.add(part);
  }
}

function secretPartsOf(value: string): string[] {
  if (!/^https?:\/\//i.test(value)) return [];
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return [];
  }
  const query = [...url.searchParams.values()];
  const path = url.pathname.split('/').filter((segment) => /\d/.test(segment));
  return [...query, ...path].filter((part) => part.length >= 8);
}

const URL_SECRET_PATTERNS: ReadonlyArray<[RegExp, string]> = [
  [
    /([?&](?:auth_key|access_token|sign|key|token|Signature|SecurityToken|AccessKeySecret)=)[^&\s"'#]+/gi,
    '$1***',
  ],
  // Any query parameter named like a secret (api_key, apikey, client_secret, x-api-token, password, …).
  [/([?&][\w.-]*(?:key|secret|token|passw(?:or)?d|pwd|signature|credential)[\w.-]*=)[^&\s"'#]+/gi, '$1***'],
  [/(hooks\.slack\.com\/services\/)[^\s"'?#]+/gi, '$1***'],
  [/(\/open-apis\/bot\/v2\/hook\/)[^\s"'?#]+/gi, '$1***'],
  [/(\/callback\/)[^\s"'?#/]+/g, '$1***'],
  [/(Signature=|Credential=)[^,\s"']+/g, '$1***'],
  // user:password@ in any URL (LIVEWATCH_STORE_URL=redis://:pw@host:6379): keep the user, mask the password.
  [/(\b[a-z][a-z0-9+.-]*:\/\/[^/\s:@"']*:)[^@\s/"']+@/gi, '$1***@'],
  // An STS token inside a percent-encoded V1 string-to-sign, as the API echoes it in SignatureDoesNotMatch.
  [/(SecurityToken%3D)[^%&\s"']+/g, '$1***'],
];

export function redact(text: string): string {
  let out = text;
  for (const secret of registered) out = out.split(secret).join('***');
  for (const [pattern, replacement] of URL_SECRET_PATTERNS) out = out.replace(pattern, replacement);
  return out;
}

/**
 * A copy of a JSON-like value with every string (keys too) passed through `redact`: the one way a
 * structure leaves the process as JSON (CLI `--json` outputs, outbox bodies, the emulator's control API).
 */
export function redactDeep<T>(value: T): T {
  return walk(value) as T;
}

function walk(value: unknown): unknown {
  if (typeof value === 'string') return redact(value);
  if (Array.isArray(value)) return value.map(walk);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [redact(key), walk(item)]));
  }
  return value;
}
