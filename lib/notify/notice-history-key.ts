/**
 * Where the notices about one task are recorded: a history of their own beside the task's, so the
 * remediation's own history (read newest-first by its callers) is not interleaved with them. The
 * status page's timeline merges both (`lib/status/read-task-view.ts`).
 */
export function noticeHistoryKey(resourceKey: string): string {
  return `notices:${resourceKey}`;
}
