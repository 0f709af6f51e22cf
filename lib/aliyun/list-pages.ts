import type { z } from 'zod';
import type { RecordJob, RelayTask, TranscodeJob } from '../events/resources.js';
import type { ActionName } from './actions.js';
import type {
  ListRecordJobsParams,
  ListRelayTasksParams,
  ListTranscodeJobsParams,
  Page,
  PageWalk,
} from './api.js';
import { paginate } from './paginate.js';
import {
  buildListRecordJobsRequest,
  buildListRelayTasksRequest,
  buildListTranscodeJobsRequest,
  type WireParams,
} from './request-schemas.js';
import {
  type PageRequest,
  RecordListResponseSchema,
  RelayListResponseSchema,
  TranscodeListResponseSchema,
  toRecordPage,
  toRelayPage,
  toTranscodePage,
} from './response-schemas.js';

/** One paged list action: how to build page N's request and read its response. */
export interface Listing<P, T> {
  readonly name: ActionName;
  readonly build: (params: P, page: number) => WireParams;
  readonly schema: z.ZodType;
  readonly toPage: (body: never, region: string, requested: PageRequest) => Page<T>;
}

export const LISTINGS = {
  relay: {
    name: 'listRelayTasks',
    build: buildListRelayTasksRequest,
    schema: RelayListResponseSchema,
    toPage: toRelayPage,
  } satisfies Listing<ListRelayTasksParams, RelayTask>,
  record: {
    name: 'listRecordJobs',
    build: buildListRecordJobsRequest,
    schema: RecordListResponseSchema,
    toPage: toRecordPage,
  } satisfies Listing<ListRecordJobsParams, RecordJob>,
  transcode: {
    name: 'listTranscodeJobs',
    build: buildListTranscodeJobsRequest,
    schema: TranscodeListResponseSchema,
    toPage: toTranscodePage,
  } satisfies Listing<ListTranscodeJobsParams, TranscodeJob>,
} as const;

export interface PagerDeps {
  /** One logical call (limiter, retries) resolving with the parsed, checked response body. */
  readonly fetch: (name: ActionName, wire: WireParams, region: string, schema: z.ZodType) => Promise<unknown>;
  readonly concurrency: number;
}

/**
 * The one pager of every list action: validates the request before the first call (so a bad
 * filter never reaches the API), then yields pages in order from `fromPage` (default 1), as long as
 * `mayFetch` allows (see `paginate`).
 */
export function pagesOf<P extends { readonly region: string; readonly pageSize?: number }, T>(
  deps: PagerDeps,
  listing: Listing<P, T>,
  params: P & PageWalk,
): AsyncIterable<Page<T>> {
  const pageSize = params.pageSize ?? 100;
  const fromPage = params.fromPage ?? 1;
  listing.build(params, fromPage);
  return paginate<T>({
    fromPage,
    pageSize,
    concurrency: deps.concurrency,
    ...(params.mayFetch === undefined ? {} : { mayFetch: params.mayFetch }),
    fetchPage: async (pageNumber) => {
      const body = await deps.fetch(
        listing.name,
        listing.build(params, pageNumber),
        params.region,
        listing.schema,
      );
      return listing.toPage(body as never, params.region, { pageNumber, pageSize });
    },
  });
}

/**
 * Defers building the iterator until iteration starts, so a ValidationError surfaces from the
 * first `next()` (inside `for await`) rather than from the method call itself.
 */
export async function* lazily<T>(make: () => AsyncIterable<T>): AsyncGenerator<T, void, undefined> {
  yield* make();
}

/**
 * Flattens pages into items, skipping an id already yielded: tasks created or deleted while a
 * listing runs shift items across page boundaries, so one can appear on two pages.
 */
export async function* uniqueItems<T>(
  pages: AsyncIterable<Page<T>>,
  idOf: (item: T) => string,
): AsyncGenerator<T, void, undefined> {
  const seen = new Set<string>();
  for await (const page of pages) {
    for (const item of page.items) {
      const id = idOf(item);
      if (seen.has(id)) continue;
      seen.add(id);
      yield item;
    }
  }
}
