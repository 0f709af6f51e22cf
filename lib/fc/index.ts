/** lib/fc: the ONLY place that knows Function Compute shapes. */
export { createFcInvoker, type FcInvokerOptions, MAX_ASYNC_PAYLOAD_BYTES } from './create-fc-invoker.js';
export { decodeHttpEvent, type HttpRequest } from './decode-http-event.js';
export { decodeTimerEvent, type TimerEvent } from './decode-timer-event.js';
export {
  encodeHttpResponse,
  type FcHttpResponse,
  type HttpResponse,
  jsonResponse,
} from './encode-http-response.js';
export { credentialsOf, type FcContext, type FcCredentials, type FcLogger } from './fc-context.js';
export type { Invoker } from './invoker.js';
export { MethodNotAllowedError } from './method-not-allowed-error.js';
export { serveHttp } from './serve-http.js';
export { toHttpResponse } from './to-http-response.js';
