import type { Config } from '../config/config.js';
import { formatTime as formatNoticeTime } from '../notify/render-outline.js';

export type TimeSettings = Pick<Config, 'LIVEWATCH_LANGUAGE' | 'LIVEWATCH_TIME_ZONE'>;

/**
 * A time as a person in the configured zone reads it: `2026-12-03 17:40:05 UTC+8`. The chat
 * messages' one formatter (lib/notify/render-outline.ts, one cached Intl.DateTimeFormat per zone), so
 * the page and the page's alert show a time the same way.
 */
export function formatTime(at: number, settings: TimeSettings): string {
  return formatNoticeTime(at, settings.LIVEWATCH_TIME_ZONE);
}

/** A duration in the largest sensible unit: `45 s`, `12 min`, `3 h`, `2 d`. */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 120) return `${s} s`;
  if (s < 7_200) return `${Math.round(s / 60)} min`;
  if (s < 172_800) return `${Math.round(s / 3_600)} h`;
  return `${Math.round(s / 86_400)} d`;
}
