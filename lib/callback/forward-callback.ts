import { describeError } from '../errors.js';
import type { Logger } from '../log.js';
import { hostForLog } from '../url-host.js';

/** Posts a callback body to another receiver; resolves in every case (failures are logged, never thrown). */
export type ForwardCallback = (url: string, body: Buffer, contentType: string | undefined) => Promise<void>;

/**
 * The default forwarder for taken-over tasks (enrolment takeover): POST the raw body to the task's
 * original CallbackUrl with a short timeout, so the owner's receiver keeps working. A failure is logged
 * and never fails the callback: livewatch's own processing does not depend on the owner's receiver.
 */
export function createForwarder(options: { timeoutMs: number; log: Logger }): ForwardCallback {
  return async (url, body, contentType) => {
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': contentType ?? 'application/json' },
        body: new Uint8Array(body),
        signal: AbortSignal.timeout(options.timeoutMs),
      });
      // Drain so the connection is released.
      await response.arrayBuffer();
      if (!response.ok) {
        options.log.warn('forwarding a callback to the original receiver got a non-2xx answer', {
          host: hostForLog(url),
          status: response.status,
        });
      }
    } catch (error) {
      options.log.warn('forwarding a callback to the original receiver failed', {
        host: hostForLog(url),
        error: describeError(error),
      });
    }
  };
}
