export {
  createLocalInvoker,
  type LocalInvocation,
  type LocalInvoker,
  type LocalInvokerOptions,
} from './create-local-invoker.js';
export type { FcHandler } from './fc-handler.js';
export { FUNCTION_NAMES, type LocalHost, type LocalHostOptions, startLocalHost } from './start-local-host.js';
