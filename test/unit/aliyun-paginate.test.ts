import { describe, expect, it } from 'vitest';
import type { Page } from '../../lib/aliyun/api.js';
import { computeBackoffMs } from '../../lib/aliyun/compute-backoff.js';
import { paginate } from '../../lib/aliyun/paginate.js';

/** A page source over `total` numbered items that records which pages were asked for and when. */
function numberedSource(total: number, pageSize: number) {
  const asked: number[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const resolvers: Array<() => void> = [];
  const fetchPage = async (pageNumber: number): Promise<Page<number>> => {
    asked.push(pageNumber);
    inFlight += 1;
    maxInFlight = Math.max(maxInFlight, inFlight);
    // Later pages answer first: the iterator must still yield in order.
    await new Promise<void>((resolve) => {
      resolvers.push(resolve);
      queueMicrotask(() => resolvers.pop()?.());
    });
    inFlight -= 1;
    const start = (pageNumber - 1) * pageSize;
    const items = Array.from({ length: Math.max(0, Math.min(pageSize, total - start)) }, (_, i) => start + i);
    return { pageNumber, pageSize, total, items };
  };
  return { fetchPage, asked, maxInFlight: () => maxInFlight };
}

describe('paginate', () => {
  it('yields every page once, in order, fetching the rest after the first', async () => {
    const source = numberedSource(1_050, 100);
    const pages: number[] = [];
    const items: number[] = [];
    for await (const page of paginate({
      fromPage: 1,
      pageSize: 100,
      concurrency: 4,
      fetchPage: source.fetchPage,
    })) {
      pages.push(page.pageNumber);
      items.push(...page.items);
    }
    expect(pages).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    expect(items).toEqual(Array.from({ length: 1_050 }, (_, i) => i));
    expect(source.asked[0]).toBe(1);
    expect([...source.asked].sort((a, b) => a - b)).toEqual(pages);
    expect(source.maxInFlight()).toBeLessThanOrEqual(4);
  });

  it('continues from a cursor page', async () => {
    const source = numberedSource(500, 100);
    const pages: number[] = [];
    for await (const page of paginate({
      fromPage: 4,
      pageSize: 100,
      concurrency: 2,
      fetchPage: source.fetchPage,
    })) {
      pages.push(page.pageNumber);
    }
    expect(pages).toEqual([4, 5]);
  });

  it('counts pages with the smaller page size the server reports having applied', async () => {
    const source = numberedSource(120, 50);
    const pages: number[] = [];
    const items: number[] = [];
    // Asks for 100 per page; the source serves (and reports) 50.
    for await (const page of paginate({
      fromPage: 1,
      pageSize: 100,
      concurrency: 2,
      fetchPage: source.fetchPage,
    })) {
      pages.push(page.pageNumber);
      items.push(...page.items);
    }
    expect(pages).toEqual([1, 2, 3]);
    expect(items).toHaveLength(120);
  });

  it('stops fetching when the consumer stops', async () => {
    const source = numberedSource(10_000, 100);
    for await (const page of paginate({
      fromPage: 1,
      pageSize: 100,
      concurrency: 2,
      prefetch: 3,
      fetchPage: source.fetchPage,
    })) {
      if (page.pageNumber === 2) break;
    }
    // Page 1, then at most `prefetch` pages ahead of the consumer.
    expect(source.asked.length).toBeLessThanOrEqual(1 + 3 + 1);
  });

  it('ends, once mayFetch says no, after the pages already requested, dropping none', async () => {
    const source = numberedSource(10_000, 100);
    let allowed = 6;
    const pages: number[] = [];
    for await (const page of paginate({
      fromPage: 1,
      pageSize: 100,
      concurrency: 3,
      prefetch: 8,
      mayFetch: () => allowed-- > 0,
      fetchPage: source.fetchPage,
    })) {
      pages.push(page.pageNumber);
    }
    expect(pages).toEqual([1, 2, 3, 4, 5, 6]);
    expect([...source.asked].sort((a, b) => a - b)).toEqual(pages);
  });

  it('stays stopped once mayFetch has said no, and requests nothing when it says no at once', async () => {
    const source = numberedSource(1_000, 100);
    const answers = [true, true, false, true, true];
    const pages: number[] = [];
    for await (const page of paginate({
      fromPage: 1,
      pageSize: 100,
      concurrency: 1,
      mayFetch: () => answers.shift() ?? true,
      fetchPage: source.fetchPage,
    })) {
      pages.push(page.pageNumber);
    }
    expect(pages).toEqual([1, 2]);
    expect(source.asked).toEqual([1, 2]);

    const none = numberedSource(1_000, 100);
    for await (const _ of paginate({
      fromPage: 4,
      pageSize: 100,
      concurrency: 2,
      mayFetch: () => false,
      fetchPage: none.fetchPage,
    })) {
      throw new Error('no page may be yielded');
    }
    expect(none.asked).toEqual([]);
  });

  it('surfaces a failing page in its turn without an unhandled rejection', async () => {
    const fetchPage = async (pageNumber: number): Promise<Page<number>> => {
      if (pageNumber === 3) throw new Error('page 3 failed');
      return { pageNumber, pageSize: 1, total: 5, items: [pageNumber] };
    };
    const seen: number[] = [];
    await expect(async () => {
      for await (const page of paginate({ fromPage: 1, pageSize: 1, concurrency: 5, fetchPage })) {
        seen.push(page.pageNumber);
      }
    }).rejects.toThrow('page 3 failed');
    expect(seen).toEqual([1, 2]);
  });
});

describe('full-jitter backoff', () => {
  it('draws from [0, min(cap, base × 2^attempt))', () => {
    const policy = { baseMs: 200, capMs: 5_000 };
    expect(computeBackoffMs(0, policy, () => 0.999)).toBe(199);
    expect(computeBackoffMs(3, policy, () => 0.5)).toBe(800);
    expect(computeBackoffMs(10, policy, () => 0.999)).toBe(4_995);
    expect(computeBackoffMs(2, policy, () => 0)).toBe(0);
  });
});
