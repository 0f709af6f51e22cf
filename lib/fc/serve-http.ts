import type { Logger } from '../log.js';
import type { HttpRequest } from '../ports/http-request.js';
import type { HttpResponse } from '../ports/http-response.js';
import { decodeHttpEvent } from './decode-http-event.js';
import { encodeHttpResponse, type FcHttpResponse } from './encode-http-response.js';
import { toHttpResponse } from './to-http-response.js';

/**
 * The whole HTTP-trigger round trip for a function's glue: decode the event Buffer, run `handle`,
 * encode its answer; any error (a malformed event included) goes through `toHttpResponse`.
 * @example export const handler = (event: Buffer, context: FcContext) =>
 *   serveHttp(event, (request) => handleCallbackRequest(deps, request), log);
 */
export async function serveHttp(
  event: Buffer,
  handle: (request: HttpRequest) => Promise<HttpResponse>,
  log: Logger,
): Promise<FcHttpResponse> {
  try {
    return encodeHttpResponse(await handle(decodeHttpEvent(event)));
  } catch (error) {
    return encodeHttpResponse(toHttpResponse(error, log));
  }
}
