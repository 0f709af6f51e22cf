/**
 * `npm start`'s console narrative: one line per thing the system saw, decided or did, taken from
 * the task histories the functions write (the same entries `livewatch history` and the status page
 * show), beside the chat messages the local sinks print. The JSON log goes to a file instead.
 *
 *   12:03:04  seen     relay cn-shanghai/3f1c…  recovering (PullStreamFailed) [callback]
 *   12:03:04  decided  relay cn-shanghai/3f1c…  wait: within the platform's retry grace
 *   12:03:40  done     relay cn-shanghai/3f1c…  restarted (#1): offline (PullStreamFailed)
 */
import type { HistoryEntry, Store } from '../lib/store/store.js';

const SEEN = new Set(['event', 'alert', 'verify-failed']);
const DONE = new Set(['restart', 'resume', 'restart-ok', 'recovered', 'resumed', 'enrolled']);
const FAILED = new Set(['restart-failed', 'restart-unknown', 'restart-unconfirmed', 'gave-up']);

type Verb = 'seen' | 'decided' | 'done' | 'failed';

const COLOURS: Record<Verb, string> = { seen: '36', decided: '33', done: '32', failed: '31' };

function verbOf(type: string): Verb {
  if (SEEN.has(type)) return 'seen';
  if (DONE.has(type)) return 'done';
  if (FAILED.has(type)) return 'failed';
  return 'decided';
}

/** One narrative line for a history entry, coloured (ANSI) when `colour`. */
export function narrateEntry(key: string, entry: HistoryEntry, colour: boolean): string {
  const verb = verbOf(entry.type);
  const time = new Date(entry.at).toISOString().slice(11, 19);
  const [kind, region, ...id] = key.split(':');
  const what = id.length > 0 ? `${kind} ${region}/${id.join(':')}` : key;
  const source = typeof entry.data?.source === 'string' ? ` [${entry.data.source}]` : '';
  const label = verb.padEnd(7);
  const painted = colour ? `\x1b[${COLOURS[verb]}m${label}\x1b[0m` : label;
  return `${time}  ${painted}  ${what}  ${entry.message}${source}`;
}

/**
 * The store, with every task-history append also told to `say`. Notification bookkeeping
 * (`notify:` keys, notice links) is left out: the chat sinks print the messages themselves.
 */
export function narrateHistory(store: Store, say: (key: string, entry: HistoryEntry) => void): Store {
  return new Proxy(store, {
    get(target, property) {
      if (property === 'appendHistory') {
        return async (key: string, entry: HistoryEntry, cap?: number): Promise<void> => {
          await target.appendHistory(key, entry, cap);
          if (/^(relay|record|transcode|breaker):/.test(key)) say(key, entry);
        };
      }
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
