import type { ResourceKind } from '../events/resources.js';
import { isUnhealthy } from '../events/states.js';
import { sourceHostsOf } from '../remediate/circuit-breaker.js';
import type { RemediationPolicy } from '../remediate/remediation-policy.js';
import { restartsInWindow } from '../remediate/restart-ledger.js';
import { type Unsure, unsureOf } from '../remediate/unsure-of.js';
import type { RestartLedger, StoredSnapshot } from '../store/store.js';

/**
 * One task or job as the status page lists it. Deliberately narrow: no source, destination or
 * callback URL (they carry stream auth keys and the callback token), only the source *host*.
 */
export interface TaskRow {
  readonly key: string;
  readonly kind: ResourceKind;
  readonly id: string;
  readonly region: string;
  readonly name?: string;
  readonly state: string;
  readonly reason?: string;
  /** Epoch ms since when it has been in this state (as far as livewatch knows). */
  readonly since: number;
  readonly hosts: readonly string[];
  readonly unhealthy: boolean;
  readonly needsPerson: boolean;
  readonly restartsUsed: number;
  readonly restartBudget: number;
  /** When livewatch looks at it again (backoff, recovering grace), epoch ms. */
  readonly nextCheckAt?: number;
  /** A restart outcome not yet known, or a verification given up on: the snapshot may be out of date. */
  readonly unsure?: Unsure;
}

export function toTaskRow(
  key: string,
  snapshot: StoredSnapshot | undefined,
  ledger: RestartLedger | undefined,
  policy: RemediationPolicy,
  now: number,
): TaskRow {
  const resource = snapshot?.resource;
  const [kind, region = ledger?.region ?? '', ...rest] = key.split(':');
  const id = resource ? (resource.kind === 'relay' ? resource.taskId : resource.jobId) : rest.join(':');
  const state = resource?.state ?? 'unknown';
  const reason = resource?.kind === 'relay' ? resource.invalidReason : undefined;
  const unsure = unsureOf(ledger);
  return {
    key,
    kind: (resource?.kind ?? kind) as ResourceKind,
    id: id || ledger?.taskId || key,
    region: resource?.region ?? region,
    ...(resource?.name ? { name: resource.name } : {}),
    state,
    ...(reason ? { reason } : {}),
    since: snapshot?.stateSince ?? ledger?.unhealthySince ?? now,
    hosts: resource?.kind === 'relay' ? sourceHostsOf(resource) : [],
    unhealthy: isUnhealthy(state),
    needsPerson: ledger?.needsPerson ?? false,
    restartsUsed: ledger ? restartsInWindow(ledger, now, policy) : 0,
    restartBudget: policy.budget,
    ...(ledger?.nextAttemptAt === undefined ? {} : { nextCheckAt: ledger.nextAttemptAt }),
    ...(unsure === undefined ? {} : { unsure }),
  };
}

/** People first, then the longest-broken, then by key: the order "what needs a person first" means. */
export function compareAttention(a: TaskRow, b: TaskRow): number {
  return Number(b.needsPerson) - Number(a.needsPerson) || a.since - b.since || a.key.localeCompare(b.key);
}
