import pLimit from 'p-limit';
import type { Page } from './api.js';

export interface PaginateOptions<T> {
  readonly fromPage: number;
  readonly pageSize: number;
  readonly fetchPage: (pageNumber: number) => Promise<Page<T>>;
  /** Pages in flight at once; the rate limiter still decides when each call may start. */
  readonly concurrency: number;
  /** How many pages may be fetched ahead of the consumer (bounds memory on huge accounts). */
  readonly prefetch?: number;
  /**
   * Asked as each page's call is about to start (when a concurrency slot is free, before the
   * limiter's wait); true spends one page of the caller's budget. Once it answers false nothing more
   * is requested, and the listing ends after the pages already requested (none is wasted).
   */
  readonly mayFetch?: () => boolean;
}

/** A scheduled page whose call was never started: `mayFetch` had answered false. */
const NOT_FETCHED = Symbol('not fetched');

/**
 * Yields pages in order. The first page tells the total; the remaining pages are then fetched
 * concurrently (bounded by p-limit, paced by the limiter inside `fetchPage`) while the consumer
 * works through earlier ones. Stopping early (break) stops scheduling further pages; `mayFetch`
 * answering false ends the listing without dropping a page already requested (docs/poller.md,
 * "Budget and cursor").
 */
export async function* paginate<T>(options: PaginateOptions<T>): AsyncGenerator<Page<T>, void, undefined> {
  const { fromPage, pageSize, fetchPage } = options;
  const concurrency = Math.max(1, options.concurrency);
  const prefetch = Math.max(1, options.prefetch ?? concurrency * 2);

  let stopped = false;
  const startPage = (pageNumber: number): Promise<Page<T> | typeof NOT_FETCHED> => {
    stopped ||= options.mayFetch?.() === false;
    return stopped ? Promise.resolve(NOT_FETCHED) : fetchPage(pageNumber);
  };
  const first = await startPage(fromPage);
  if (first === NOT_FETCHED) return;
  // If the server applied a smaller page size than asked (and says so), count pages with its size.
  const served = first.pageSize > 0 && first.pageSize < pageSize ? first.pageSize : pageSize;
  const lastPage = Math.ceil(first.total / served);
  const limit = pLimit(concurrency);
  const ahead: Array<Promise<Page<T> | typeof NOT_FETCHED>> = [];
  let next = fromPage + 1;
  const schedule = (): void => {
    while (!stopped && next <= lastPage && ahead.length < prefetch) {
      const pageNumber = next;
      const pending = limit(() => startPage(pageNumber));
      // Awaited in order below; a later page failing first must not be an unhandled rejection.
      pending.catch(() => undefined);
      ahead.push(pending);
      next += 1;
    }
  };

  try {
    schedule();
    yield first;
    for (let pending = ahead.shift(); pending !== undefined; pending = ahead.shift()) {
      const page = await pending;
      // p-limit starts calls in order: every page after an unstarted one is unstarted too.
      if (page === NOT_FETCHED) return;
      schedule();
      yield page;
    }
  } finally {
    limit.clearQueue();
  }
}
