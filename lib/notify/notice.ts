import type { ResourceKind, ResourceRef } from '../events/resources.js';
import type { Severity } from '../store/store.js';
import type { AlertLink } from './channel.js';

/**
 * What the rest of livewatch hands to the notifier. The notifier routes each notice to every
 * configured channel, groups by (channel, severity, kind, region, reason), paces each channel
 * under its limit, and delivers through the outbox. A notice with the same `id` and status
 * `resolved` resolves an earlier firing one (a resolved message is sent if enabled).
 */
export interface Notice {
  /** Alert identity, stable across firing and resolved, e.g. `relay:cn-shanghai:<id>:offline`. */
  readonly id: string;
  readonly status: 'firing' | 'resolved';
  readonly severity: Severity;
  readonly kind: ResourceKind | 'monitor';
  readonly region: string;
  /** Group label: `PullStreamFailed`, `Restarted`, `GaveUp`, `MassFailure`, `MonitorUnhealthy`, … */
  readonly reason: string;
  /** One line, e.g. `relay task-42 offline (PullStreamFailed)`. Never contains secrets. */
  readonly title: string;
  /** Details in plain text (rendered per channel). Never contains secrets. */
  readonly text: string;
  /** The same wording in Chinese, for messages in zh-CN (English is used when absent). */
  readonly zh?: { readonly title: string; readonly text: string } | undefined;
  /** Links shown with the alert (console page, livewatch's status page). */
  readonly links?: readonly AlertLink[] | undefined;
  /**
   * Keys of Store.breakers (e.g. `host:origin.example.com`, `region:cn-shanghai`): while one of them
   * is open, this alert is folded into that breaker's mass-failure alert instead of paging on its own.
   */
  readonly inhibitedBy?: readonly string[] | undefined;
  /** Source hosts of the task (routes and silences match on them); never full URLs. */
  readonly sourceHosts?: readonly string[] | undefined;
  /**
   * Alerts of the same resource this one replaces (a task escalating from Recovering to Offline and
   * back): they leave their groups without a resolved message, so one task never fires as both.
   */
  readonly supersedes?:
    | ReadonlyArray<{ readonly id: string; readonly severity: Severity; readonly reason: string }>
    | undefined;
  readonly resource?: ResourceRef;
  /** Epoch ms. */
  readonly at: number;
}

export interface Notifier {
  /** Records the notice into its groups. Does not send: `flush` does, on the alert tick. */
  notify(notice: Notice): Promise<void>;
  /** Flushes due groups into the outbox and delivers due outbox messages under each channel's pace. */
  flush(): Promise<FlushReport>;
}

export interface FlushReport {
  readonly groupsFlushed: number;
  readonly sent: number;
  readonly retried: number;
  readonly dead: number;
  readonly digested: number;
}
