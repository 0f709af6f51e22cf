import type { ResourceKind } from '../events/resources.js';
import type { SweepCursor } from '../store/store.js';

/** One listing a sweep walks page by page: a kind of resource in one region. */
export interface SweepScope {
  /** `relay:cn-shanghai`, `record:cn-beijing`, `transcode:cn-shanghai`: also the snapshot key prefix. */
  readonly id: string;
  readonly kind: ResourceKind;
  readonly region: string;
}

/** Where a sweep starts: a scope and a page within it. */
export interface SweepStart {
  readonly scope: SweepScope;
  readonly page: number;
}

/**
 * The scopes of a full sweep, in a fixed order: relay tasks of each live center, then record
 * jobs, then transcode jobs of each ICE region (settings order).
 */
export function planScopes(settings: {
  readonly LIVEWATCH_LIVE_REGIONS: readonly string[];
  readonly LIVEWATCH_ICE_REGIONS: readonly string[];
}): SweepScope[] {
  const scope = (kind: ResourceKind, region: string): SweepScope => ({
    id: `${kind}:${region}`,
    kind,
    region,
  });
  const unique = (regions: readonly string[]): string[] => [...new Set(regions)];
  return [
    ...unique(settings.LIVEWATCH_LIVE_REGIONS).map((region) => scope('relay', region)),
    ...unique(settings.LIVEWATCH_ICE_REGIONS).map((region) => scope('record', region)),
    ...unique(settings.LIVEWATCH_ICE_REGIONS).map((region) => scope('transcode', region)),
  ];
}

/**
 * The scopes in the order this sweep visits them: from the cursor's scope (at the cursor's page)
 * round to the scope before it, so the sweep continues where the last one stopped and then wraps
 * around; no scope waits behind others forever. A cursor naming a scope no longer configured is
 * ignored (the settings changed).
 */
export function orderScopes(
  scopes: readonly SweepScope[],
  cursor: Pick<SweepCursor, 'scope' | 'page'> | undefined,
): { readonly order: SweepScope[]; readonly start: SweepStart | undefined } {
  const at = cursor === undefined ? -1 : scopes.findIndex((scope) => scope.id === cursor.scope);
  if (cursor === undefined || at < 0) return { order: [...scopes], start: undefined };
  const order = [...scopes.slice(at), ...scopes.slice(0, at)];
  const first = order[0];
  return {
    order,
    start: first === undefined ? undefined : { scope: first, page: Math.max(1, Math.floor(cursor.page)) },
  };
}
