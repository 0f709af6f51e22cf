import type { Severity } from '../store/store.js';
import type { Notice } from './notice.js';

/** What routes and silences match on (docs/notify.md "Routing"). Lists match any of their values. */
export interface LabelMatch {
  readonly severity?: readonly Severity[] | undefined;
  readonly kind?: readonly string[] | undefined;
  readonly region?: readonly string[] | undefined;
  readonly reason?: readonly string[] | undefined;
  readonly sourceHost?: readonly string[] | undefined;
  /** A regular expression tested against the task (or job) name. */
  readonly taskName?: string | undefined;
  /** Exact task (or job) ids; silences only. */
  readonly taskId?: readonly string[] | undefined;
}

/** The labels of one notice (or one task, for a maintenance window's restart pause). */
export interface MatchLabels {
  readonly severity?: Severity | undefined;
  readonly kind: string;
  readonly region: string;
  readonly reason?: string | undefined;
  readonly sourceHosts: readonly string[];
  readonly taskName?: string | undefined;
  readonly taskId?: string | undefined;
}

export function labelsOfNotice(notice: Notice): MatchLabels {
  return {
    severity: notice.severity,
    kind: notice.kind,
    region: notice.region,
    reason: notice.reason,
    sourceHosts: notice.sourceHosts ?? [],
    taskName: notice.resource?.name,
    taskId: notice.resource?.id,
  };
}

/**
 * Whether every matcher given matches. A matcher on a label the subject does not have (e.g. a
 * severity for a task's restart pause) does not match — except that `ignore` lists matchers to skip.
 */
export function matchesLabels(
  match: LabelMatch,
  labels: MatchLabels,
  ignore: ReadonlyArray<keyof LabelMatch> = [],
): boolean {
  const check = (key: keyof LabelMatch): boolean => !ignore.includes(key) && match[key] !== undefined;
  const has = (list: readonly string[] | undefined, value: string | undefined): boolean =>
    value !== undefined && (list ?? []).includes(value);
  if (check('severity') && !has(match.severity, labels.severity)) return false;
  if (check('kind') && !has(match.kind, labels.kind)) return false;
  if (check('region') && !has(match.region, labels.region)) return false;
  if (check('reason') && !has(match.reason, labels.reason)) return false;
  if (check('taskId') && !has(match.taskId, labels.taskId)) return false;
  if (check('sourceHost') && !labels.sourceHosts.some((host) => match.sourceHost?.includes(host)))
    return false;
  if (check('taskName')) {
    if (labels.taskName === undefined || !new RegExp(match.taskName ?? '').test(labels.taskName))
      return false;
  }
  return true;
}
