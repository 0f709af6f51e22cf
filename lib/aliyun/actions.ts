/**
 * Wire metadata of every action livewatch calls, mirroring the official generated SDKs
 * (`@alicloud/live20161101`, `@alicloud/ice20201109`), which the project's registry does not serve.
 * All are RPC style, pathname `/`, form request bodies and JSON responses. Live sends every
 * parameter in the query (even for the POST of Create); ICE's Submit of a record job is the one
 * action with a form body.
 */
export type Product = 'live' | 'ice';

export interface ActionSpec {
  readonly product: Product;
  readonly action: string;
  readonly version: string;
  readonly method: 'GET' | 'POST';
  /** Where the parameters travel. */
  readonly paramsIn: 'query' | 'body';
  /** Whether the action changes anything (logged at info level). When it may be resent: `retry-call.ts`. */
  readonly mutating: boolean;
}

const LIVE_API_VERSION = '2016-11-01';
const ICE_API_VERSION = '2020-11-09';

const live = (action: string, method: 'GET' | 'POST', mutating: boolean): ActionSpec => ({
  product: 'live',
  action,
  version: LIVE_API_VERSION,
  method,
  paramsIn: 'query',
  mutating,
});

const ice = (action: string, method: 'GET' | 'POST', paramsIn: 'query' | 'body'): ActionSpec => ({
  product: 'ice',
  action,
  version: ICE_API_VERSION,
  method,
  paramsIn,
  mutating: false,
});

export const ACTIONS = {
  createRelayTask: live('CreateLivePullToPush', 'POST', true),
  updateRelayTask: live('UpdateLivePullToPush', 'GET', true),
  deleteRelayTask: live('DeleteLivePullToPush', 'GET', true),
  describeRelayTask: live('DescribeLivePullToPush', 'GET', false),
  listRelayTasks: live('DescribeLivePullToPushList', 'GET', false),
  stopRelayTask: live('StopLivePullToPush', 'GET', true),
  restartRelayTask: live('RestartLivePullToPush', 'GET', true),
  listRecordJobs: ice('ListLiveRecordJobs', 'GET', 'query'),
  // The ICE SDK sends the transcode Get/List actions as POST with the parameters in the query.
  listTranscodeJobs: ice('ListLiveTranscodeJobs', 'POST', 'query'),
  // A job missing from a (possibly windowed) listing is confirmed gone only by these.
  getRecordJob: ice('GetLiveRecordJob', 'GET', 'query'),
  getTranscodeJob: ice('GetLiveTranscodeJob', 'POST', 'query'),
} as const satisfies Record<string, ActionSpec>;

export type ActionName = keyof typeof ACTIONS;
