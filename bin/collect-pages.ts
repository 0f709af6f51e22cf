import type { Page } from '../lib/aliyun/api.js';

/**
 * Reads every page of a listing into one array; on a terminal stderr shows which page of how many
 * it is on (`<label>: page 2/5 (100/230 tasks)`), cleared at the end; piped, it writes nothing.
 */
export async function collectPages<T>(
  listings: ReadonlyArray<{ readonly label: string; readonly pages: () => AsyncIterable<Page<T>> }>,
  noun: string,
  keep: (item: T) => boolean = () => true,
): Promise<T[]> {
  const progress = process.stderr.isTTY
    ? (text: string) => process.stderr.write(`\r\x1b[K${text}`)
    : undefined;
  const items: T[] = [];
  for (const listing of listings) {
    let seen = 0;
    for await (const page of listing.pages()) {
      seen += page.items.length;
      const pages = Math.max(1, Math.ceil(page.total / page.pageSize));
      progress?.(`${listing.label}: page ${page.pageNumber}/${pages} (${seen}/${page.total} ${noun})`);
      items.push(...page.items.filter(keep));
    }
  }
  progress?.('');
  return items;
}
