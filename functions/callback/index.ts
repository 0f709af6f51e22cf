/**
 * The callback function (FC 3.0, anonymous HTTP trigger): receives pull-to-push callbacks at
 * `POST /callback/<token>` and answers `GET /healthz`. Glue only — decode the HTTP event, run
 * lib/callback's handler with the instance's runtime, encode the answer (errors mapped by lib/fc).
 */
import { handleCallbackRequest } from '../../lib/callback/handle-callback-request.js';
import type { FcHttpResponse } from '../../lib/fc/encode-http-response.js';
import { encodeHttpResponse } from '../../lib/fc/encode-http-response.js';
import { credentialsOf, type FcContext } from '../../lib/fc/fc-context.js';
import { serveHttp } from '../../lib/fc/serve-http.js';
import { toHttpResponse } from '../../lib/fc/to-http-response.js';
import { createLogger } from '../../lib/log.js';
import { getRuntime } from '../../lib/runtime.js';

/** Used only when the runtime itself cannot be built (bad settings, store unreachable at cold start). */
const coldStartLog = createLogger();

export const handler = async (event: Buffer, context: FcContext): Promise<FcHttpResponse> => {
  let runtime: Awaited<ReturnType<typeof getRuntime>>;
  try {
    runtime = await getRuntime({
      accountId: context.accountId,
      region: context.region,
      credentials: credentialsOf(context),
    });
  } catch (error) {
    // A StoreUnavailableError becomes 503 (the Live service retries); a ConfigError a logged 500.
    return encodeHttpResponse(toHttpResponse(error, coldStartLog.child({ requestId: context.requestId })));
  }
  const log = runtime.log.child({ requestId: context.requestId });
  return serveHttp(event, (request) => handleCallbackRequest({ ...runtime, log }, request), log);
};
