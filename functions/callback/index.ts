/**
 * The callback function (FC 3.0, anonymous HTTP trigger): receives pull-to-push callbacks at
 * `POST /callback/<token>` and answers `GET /healthz`; also serves the status page (`/status`) and
 * `/metrics` (lib/status). Glue only — decode the HTTP event, run
 * lib/callback's handler with the instance's runtime, encode the answer (errors mapped by lib/fc).
 */
import { handleCallbackRequest } from '../../lib/callback/handle-callback-request.js';
import type { FcHttpResponse } from '../../lib/fc/encode-http-response.js';
import { encodeHttpResponse } from '../../lib/fc/encode-http-response.js';
import { credentialsOf, type FcContext } from '../../lib/fc/fc-context.js';
import { serveHttp } from '../../lib/fc/serve-http.js';
import { toHttpResponse } from '../../lib/fc/to-http-response.js';
import { createLogger, type Logger } from '../../lib/log.js';
import type { HttpRequest } from '../../lib/ports/http-request.js';
import type { HttpResponse } from '../../lib/ports/http-response.js';
import { getRuntime, type Runtime } from '../../lib/runtime.js';
import { handleStatusRequest } from '../../lib/status/handle-status-request.js';
import { callbackIncrements, recordMetrics } from '../../lib/status/record-metrics.js';

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
  // The status page and /metrics share the trigger; every other path is the callback receiver's.
  return serveHttp(
    event,
    (request) => handleStatusRequest({ ...runtime, log }, request) ?? answerCallback(runtime, log, request),
    log,
  );
};

/** The callback receiver, counted for /metrics (status and duration) whatever it answers. */
async function answerCallback(runtime: Runtime, log: Logger, request: HttpRequest): Promise<HttpResponse> {
  const started = performance.now();
  let response: HttpResponse;
  try {
    response = await handleCallbackRequest({ ...runtime, log }, request);
  } catch (error) {
    response = toHttpResponse(error, log);
  }
  await recordMetrics(
    runtime.store,
    log,
    callbackIncrements(response.statusCode, performance.now() - started),
  );
  return response;
}
