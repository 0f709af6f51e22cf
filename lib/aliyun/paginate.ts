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
}

/**
 * Yields pages in order. The first page tells the total; the remaining pages are then fetched
 * concurrently (bounded by p-limit, paced by the limiter inside `fetchPage`) while the consumer
 * works through earlier ones. Stopping early (break) stops scheduling further pages.
 */
export async function* paginate<T>(options: PaginateOptions<T>): AsyncGenerator<Page<T>, void, undefined> {
  const { fromPage, pageSize, fetchPage } = options;
  const concurrency = Math.max(1, options.concurrency);
  const prefetch = Math.max(1, options.prefetch ?? concurrency * 2);

  const first = await fetchPage(fromPage);
  // If the server applied a smaller page size than asked (and says so), count pages with its size.
  const served = first.pageSize > 0 && first.pageSize < pageSize ? first.pageSize : pageSize;
  const lastPage = Math.ceil(first.total / served);
  const limit = pLimit(concurrency);
  const ahead: Array<Promise<Page<T>>> = [];
  let next = fromPage + 1;
  const schedule = (): void => {
    while (next <= lastPage && ahead.length < prefetch) {
      const pageNumber = next;
      const pending = limit(() => fetchPage(pageNumber));
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
      schedule();
      yield page;
    }
  } finally {
    limit.clearQueue();
  }
}
