import { monitorNotice } from '../remediate/relay-notices.js';
import type { RemediationDeps } from '../remediate/remediation-deps.js';

export type HeartbeatStatus =
  | { readonly kind: 'ok'; readonly ageS: number }
  | { readonly kind: 'stale'; readonly ageS: number; readonly alerted: boolean }
  | { readonly kind: 'missing'; readonly alerted: boolean };

/** History key where the monitor's own health transitions are recorded (fire once, resolve once). */
export const MONITOR_HISTORY_KEY = 'monitor:heartbeat';

/**
 * Monitoring the monitor: a poller heartbeat older than LIVEWATCH_HEARTBEAT_MAX_AGE_S (or none at all,
 * that long after the alert tick first looked) raises ONE critical "monitor unhealthy" notice; it is
 * resolved when sweeps resume. The fired/resolved state lives in the monitor's history.
 */
export async function checkHeartbeat(
  deps: Pick<RemediationDeps, 'store' | 'notifier' | 'clock' | 'config' | 'log'>,
): Promise<HeartbeatStatus> {
  const now = deps.clock.now();
  const maxAgeMs = deps.config.LIVEWATCH_HEARTBEAT_MAX_AGE_S * 1000;
  const heartbeat = await deps.store.getHeartbeat();
  const history = await deps.store.getHistory(MONITOR_HISTORY_KEY, 50);
  const last = history.find(
    (entry) => entry.type === 'monitor-unhealthy' || entry.type === 'monitor-healthy',
  );
  const firing = last?.type === 'monitor-unhealthy';

  let watchingSince = history.findLast((entry) => entry.type === 'monitor-watch')?.at;
  if (watchingSince === undefined) {
    watchingSince = now;
    await deps.store.appendHistory(MONITOR_HISTORY_KEY, {
      at: now,
      type: 'monitor-watch',
      message: 'alert tick started watching the poller heartbeat',
    });
  }

  const ageMs = heartbeat === undefined ? undefined : now - heartbeat.lastSuccessAt;
  const stale = ageMs === undefined ? now - watchingSince > maxAgeMs : ageMs > maxAgeMs;
  if (stale && !firing) {
    const detail =
      ageMs === undefined
        ? `no poller sweep recorded in ${Math.round((now - watchingSince) / 1000)} s`
        : `last successful sweep ${Math.round(ageMs / 1000)} s ago (limit ${deps.config.LIVEWATCH_HEARTBEAT_MAX_AGE_S} s)${heartbeat?.lastError ? `; last error: ${heartbeat.lastError}` : ''}`;
    deps.log.error('monitor unhealthy: poller sweeps stopped', { ageMs });
    await deps.store.appendHistory(MONITOR_HISTORY_KEY, {
      at: now,
      type: 'monitor-unhealthy',
      message: detail,
    });
    await deps.notifier.notify(monitorNotice('firing', now, detail));
  } else if (!stale && firing) {
    const detail = `sweeps resumed; last successful sweep ${Math.round((ageMs ?? 0) / 1000)} s ago`;
    await deps.store.appendHistory(MONITOR_HISTORY_KEY, {
      at: now,
      type: 'monitor-healthy',
      message: detail,
    });
    await deps.notifier.notify(monitorNotice('resolved', now, detail));
  }
  if (ageMs === undefined) return { kind: 'missing', alerted: stale };
  const ageS = Math.round(ageMs / 1000);
  return stale ? { kind: 'stale', ageS, alerted: true } : { kind: 'ok', ageS };
}
