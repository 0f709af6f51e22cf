import type { Store } from '../store/store.js';
import { breakerKeysOf } from './circuit-breaker.js';

const MAX_NAMES = 20;

export interface BreakerScopeSummary {
  readonly en: string;
  readonly zh: string;
}

/**
 * What a closing breaker's resolved message says about the tasks it covered: which recovered since
 * `since`, which still need a person (their budget is spent), and which are still failing (their
 * restarts resume now). Read from the ledgers and snapshots in the store.
 */
export async function describeBreakerScope(
  store: Pick<Store, 'ledgers' | 'snapshots'>,
  breakerKey: string,
  since: number,
): Promise<BreakerScopeSummary> {
  const recovered: string[] = [];
  const needsPerson: string[] = [];
  const failing: string[] = [];
  for (const { key, value: ledger } of await store.ledgers.list('relay:')) {
    const resource = (await store.snapshots.get(key))?.value.resource;
    if (resource?.kind !== 'relay' || !breakerKeysOf(resource).includes(breakerKey)) continue;
    const name = resource.name ? `${resource.name} (${resource.taskId})` : resource.taskId;
    if (ledger.needsPerson) needsPerson.push(name);
    else if (ledger.unhealthySince !== undefined) failing.push(name);
    else if (ledger.healthySince !== undefined && ledger.healthySince >= since) recovered.push(name);
  }
  const list = (names: string[]): string =>
    names.length <= MAX_NAMES
      ? names.join(', ')
      : `${names.slice(0, MAX_NAMES).join(', ')} +${names.length - MAX_NAMES}`;
  const en: string[] = [];
  const zh: string[] = [];
  if (recovered.length > 0) {
    en.push(`recovered (${recovered.length}): ${list(recovered)}`);
    zh.push(`已恢复（${recovered.length}）：${list(recovered)}`);
  }
  if (needsPerson.length > 0) {
    en.push(`still needs a person (${needsPerson.length}): ${list(needsPerson)}`);
    zh.push(`仍需人工处理（${needsPerson.length}）：${list(needsPerson)}`);
  }
  if (failing.length > 0) {
    en.push(`still failing, automatic restarts resume now (${failing.length}): ${list(failing)}`);
    zh.push(`仍在故障，现恢复自动重启（${failing.length}）：${list(failing)}`);
  }
  if (needsPerson.length === 0) {
    en.push('nothing needs a person');
    zh.push('无需人工处理');
  }
  return { en: en.join('; '), zh: zh.join('；') };
}
