import type { Config } from '../config/config.js';

export type TimeSettings = Pick<Config, 'LIVEWATCH_LANGUAGE' | 'LIVEWATCH_TIME_ZONE'>;

/**
 * A time as a person in the configured zone reads it: `2026-12-03 17:40:05 GMT+8`. The same
 * language and zone settings as the chat messages, so the page and the page's alert agree.
 */
export function formatTime(at: number, settings: TimeSettings): string {
  const parts = formatterFor(settings.LIVEWATCH_TIME_ZONE).formatToParts(new Date(at));
  const get = (type: Intl.DateTimeFormatPartTypes): string => parts.find((p) => p.type === type)?.value ?? '';
  return `${get('year')}-${get('month')}-${get('day')} ${get('hour')}:${get('minute')}:${get('second')} ${get('timeZoneName')}`;
}

/** A duration in the largest sensible unit: `45 s`, `12 min`, `3 h`, `2 d`. */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 120) return `${s} s`;
  if (s < 7_200) return `${Math.round(s / 60)} min`;
  if (s < 172_800) return `${Math.round(s / 3_600)} h`;
  return `${Math.round(s / 86_400)} d`;
}

/**
 * One formatter per zone, built once: constructing an Intl.DateTimeFormat costs about half a
 * millisecond, which a task list of 50 rows with two times each would pay 100 times per page
 * (measured by `bench/status-page.ts`).
 */
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (formatter === undefined) {
    formatter = new Intl.DateTimeFormat('en-CA', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
      timeZoneName: 'short',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}
