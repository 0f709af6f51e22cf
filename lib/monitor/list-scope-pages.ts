import type { AliyunClient, Page, PageWalk } from '../aliyun/api.js';
import { AliyunApiError, describeError, ValidationError } from '../errors.js';
import type { Resource } from '../events/resources.js';
import type { SweepScope } from './sweep-scopes.js';

/** Largest page the APIs allow: fewest calls per sweep. */
const PAGE_SIZE = 100;

export interface ScopeListing {
  readonly pages: number;
  readonly items: number;
  /** Every page up to the last was listed. */
  readonly listed: boolean;
  /** The budget ran out: the next page to list. */
  readonly stoppedAtPage?: number;
  /** The listing failed (retries exhausted, or a request the client refused). Secret-free. */
  readonly error?: string;
}

/**
 * Walks one scope's listing from `fromPage`, handing each page to `onPage` (with the number of the
 * last page, from the listing's total). `mayFetch` is the sweep's budget, asked before each page's
 * call starts: once it says no, the pages already requested are still handed over (none is fetched
 * and dropped) and the listing stops after them (docs/poller.md, "Budget and cursor"). A failed
 * listing is returned, not thrown: the pass over this scope is void (no disappearance may be
 * concluded from it), and the sweep goes on with the other scopes.
 */
export async function listScopePages(
  client: AliyunClient,
  scope: SweepScope,
  walk: { readonly fromPage: number; readonly mayFetch: () => boolean },
  onPage: (page: Page<Resource>, lastPage: number) => Promise<void>,
): Promise<ScopeListing> {
  let pages = 0;
  let items = 0;
  let reachedEnd = false;
  let nextPage = walk.fromPage;
  try {
    for await (const page of pagesOf(client, scope, walk)) {
      const lastPage = Math.max(1, Math.ceil(page.total / Math.max(1, page.pageSize)));
      await onPage(page, lastPage);
      pages += 1;
      items += page.items.length;
      nextPage = page.pageNumber + 1;
      reachedEnd ||= page.pageNumber >= lastPage || page.items.length < page.pageSize;
    }
    return reachedEnd
      ? { pages, items, listed: true }
      : { pages, items, listed: false, stoppedAtPage: nextPage };
  } catch (error) {
    // Only the API's and the client's own refusals; anything else (a store outage, a bug) propagates.
    if (!(error instanceof AliyunApiError || error instanceof ValidationError)) throw error;
    return { pages, items, listed: false, error: describeError(error) };
  }
}

function pagesOf(client: AliyunClient, scope: SweepScope, walk: PageWalk): AsyncIterable<Page<Resource>> {
  const params = { region: scope.region, pageSize: PAGE_SIZE, ...walk };
  switch (scope.kind) {
    case 'relay':
      return client.listRelayTaskPages(params);
    case 'record':
      return client.listRecordJobPages(params);
    case 'transcode':
      return client.listTranscodeJobPages(params);
  }
}
