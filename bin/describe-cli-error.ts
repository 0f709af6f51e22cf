import { AliyunApiError, describeError, LivewatchError } from '../lib/errors.js';
import { redact } from '../lib/redact.js';

/**
 * The one line style of every CLI failure: `livewatch <command>: <what went wrong>` (secrets
 * redacted). A livewatch error prints its message (it already names the setting or the API call);
 * a TLS handshake against a plain-HTTP server gets the hint that fixes it; anything else is a bug
 * and keeps its error name.
 */
export function describeCliError(
  command: string | undefined,
  error: unknown,
  env: Readonly<Record<string, string | undefined>>,
): string {
  const prefix = command === undefined ? 'livewatch' : `livewatch ${command}`;
  if (isTlsAgainstPlainHttp(error) && env.LIVEWATCH_API_PROTOCOL !== 'http') {
    // OpenSSL's record-layer text helps nobody; what fixes it does.
    const action = error instanceof AliyunApiError ? `${error.action} failed: ` : '';
    const origin =
      /https:\/\/[^/\s]+/.exec(error instanceof Error ? error.message : '')?.[0] ?? 'the endpoint';
    return redact(
      `${prefix}: ${action}${origin} answered plain HTTP to a TLS handshake: is this the emulator? set LIVEWATCH_API_PROTOCOL=http`,
    );
  }
  const message = error instanceof LivewatchError ? error.message : describeError(error);
  return redact(`${prefix}: ${message}`);
}

/** OpenSSL's answer when the server speaks HTTP: "wrong version number" / "packet length too long". */
function isTlsAgainstPlainHttp(error: unknown): boolean {
  for (let current = error, depth = 0; current instanceof Error && depth < 8; depth++) {
    const code = (current as { code?: unknown }).code;
    if (code === 'EPROTO' || code === 'ERR_SSL_WRONG_VERSION_NUMBER') return true;
    if (
      /wrong version number|packet length too long|ssl3_get_record|WRONG_VERSION_NUMBER/i.test(
        current.message,
      )
    )
      return true;
    current = current.cause;
  }
  return false;
}
