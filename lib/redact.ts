/**
 * Secrets never reach logs, messages or pages. Everything that leaves the process as text goes
 * through `redact`: it masks registered secrets (AccessKey secrets, webhook tokens, callback
 * tokens) wherever they appear, and the secret-bearing parts of URLs we know about: Live auth
 * keys (`auth_key=`), DingTalk `access_token=`/`sign=`, WeCom `key=`, Feishu and Slack hook paths,
 * livewatch's own `/callback/<token>` path, and passwords in URLs (`redis://:pw@host`).
 */
const registered = new Set<string>();

/** Registers secret values to be masked wherever they appear. Values shorter than 6 chars are ignored. */
export function registerSecrets(...values: ReadonlyArray<string | undefined>): void {
  for (const value of values) if (value && value.length >= 6) registered.add(value);
}

const URL_SECRET_PATTERNS: ReadonlyArray<[RegExp, string]> = [
  [
    /([?&](?:auth_key|access_token|sign|key|token|Signature|SecurityToken|AccessKeySecret)=)[^&\s"'#]+/gi,
    '$1***',
  ],
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
