/**
 * Secrets never reach logs, messages or pages. Everything that leaves the process as text goes
 * through `redact`: it masks registered secrets (AccessKey secrets, webhook tokens, callback
 * tokens) wherever they appear, and the secret-bearing parts of URLs we know about: Live auth
 * keys (`auth_key=`), DingTalk `access_token=`/`sign=`, WeCom `key=`, Feishu and Slack hook paths,
 * and livewatch's own `/callback/<token>` path.
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
];

export function redact(text: string): string {
  let out = text;
  for (const secret of registered) out = out.split(secret).join('***');
  for (const [pattern, replacement] of URL_SECRET_PATTERNS) out = out.replace(pattern, replacement);
  return out;
}
