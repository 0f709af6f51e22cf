import { randomBytes } from 'node:crypto';
import { LivewatchError } from '../errors.js';
import { updateDocument } from '../store/compare-and-set.js';
import type { Silence, Store } from '../store/store.js';
import { type SilenceFlags, silenceFromInput } from './silence-input.js';

/** Expired silences are kept this long (for `silence list --all` and the history they explain). */
const KEEP_EXPIRED_MS = 7 * 24 * 3600_000;

export type SilenceState = 'active' | 'pending' | 'expired';

export interface ListedSilence extends Silence {
  readonly state: SilenceState;
}

export interface SilenceBook {
  /** Validates and stores a new silence (shared by every instance through the store). */
  add(input: SilenceFlags): Promise<Silence>;
  /** Active and pending silences, soonest end first; `all` adds the expired ones still kept. */
  list(options?: { readonly all?: boolean }): Promise<ListedSilence[]>;
  /** Ends a silence now. `undefined` when there is no silence with this id. */
  expire(id: string): Promise<{ readonly silence: Silence; readonly expiredNow: boolean } | undefined>;
}

/**
 * The silences of `livewatch silence add|list|expire`, kept in Store.silences; the notifier and the
 * restart path read them there (docs/notify.md "Silences").
 * @example const silence = await createSilenceBook(store, () => Date.now()).add({ region: ['cn-shanghai'],
 *   duration: '2h', author: 'ana', comment: 'planned origin maintenance' });
 */
export function createSilenceBook(store: Pick<Store, 'silences'>, now: () => number): SilenceBook {
  return {
    async add(input) {
      const at = now();
      // Validated first: a bad flag changes nothing, not even the pruning of old silences.
      const silence = silenceFromInput(input, newId(), at);
      await pruneExpired(store, at);
      for (let attempt = 0; attempt < 5; attempt += 1) {
        const candidate = attempt === 0 ? silence : { ...silence, id: newId() };
        if ((await store.silences.put(candidate.id, candidate, null)).ok) return candidate;
      }
      throw new LivewatchError('could not pick a free silence id', { context: { attempts: 5 } });
    },
    async list(options = {}) {
      const at = now();
      return (await store.silences.list())
        .map(({ value }) => ({ ...value, state: stateOf(value, at) }))
        .filter((s) => options.all === true || s.state !== 'expired')
        .sort((a, b) => a.endsAt - b.endsAt || a.id.localeCompare(b.id));
    },
    async expire(id) {
      const at = now();
      const { after, written } = await updateDocument(store.silences, id, (current) =>
        current === undefined || stateOf(current, at) === 'expired'
          ? undefined
          : { ...current, startsAt: Math.min(current.startsAt, at), endsAt: at },
      );
      return after === undefined ? undefined : { silence: after, expiredNow: written };
    },
  };
}

const newId = (): string => `sil-${randomBytes(4).toString('hex')}`;

function stateOf(silence: Silence, at: number): SilenceState {
  if (at >= silence.endsAt) return 'expired';
  return at < silence.startsAt ? 'pending' : 'active';
}

async function pruneExpired(store: Pick<Store, 'silences'>, at: number): Promise<void> {
  for (const { key, value, version } of await store.silences.list()) {
    if (value.endsAt < at - KEEP_EXPIRED_MS) await store.silences.delete(key, version);
  }
}
