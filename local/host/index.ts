// Only what another folder imports is re-exported here.
export type { FcHandler } from './fc-handler.js';
export { type LocalHost, startLocalHost } from './start-local-host.js';
