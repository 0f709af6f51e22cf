import type { Severity } from '../store/store.js';

/**
 * The channel adapter port. An adapter renders neutral message content into its channel's body
 * (within the channel's size limits) and sends a stored body, adding the URL and any signature
 * only at send time, so neither ever reaches the outbox, logs or errors.
 */
export interface Channel {
  /** `dingtalk`, `slack`, `feishu`, `wecom`, `webhook` or `log`. */
  readonly name: string;
  /**
   * Key under which instances share this channel's rate budget (Store.acquireRate). Derived from
   * a hash of the webhook URL, never the URL itself, so two robots get two budgets.
   */
  readonly rateKey: string;
  /** Sliding windows the channel must stay under (all of them). Empty: unpaced. */
  readonly limits: readonly RateLimit[];
  /** Largest body the channel accepts, in UTF-8 bytes of its text content. */
  readonly maxBytes: number;
  /** Renders content into the channel's JSON body, fitting `budgetBytes` (≤ maxBytes). */
  render(content: MessageContent, budgetBytes: number): unknown;
  /** Sends a rendered body. Never throws for delivery problems: classifies them instead. */
  send(body: unknown, context: SendContext): Promise<SendOutcome>;
}

export interface RateLimit {
  readonly limit: number;
  readonly windowMs: number;
}

export interface SendContext {
  /** Outbox message id: stable across retries (the Standard Webhooks `webhook-id`). */
  readonly messageId: string;
  readonly signal?: AbortSignal;
}

/**
 * How a send ended. `retry` with `backoff` asks the outbox for exponential backoff of at least
 * `afterMs` (unknown codes, 5xx, network errors); without it `afterMs` is the vendor's wait.
 * `too-large` asks for the content to be shrunk and sent again.
 */
export type SendOutcome =
  | { readonly outcome: 'sent' }
  | {
      readonly outcome: 'retry';
      readonly afterMs: number;
      readonly reason: string;
      readonly backoff?: boolean;
    }
  | { readonly outcome: 'permanent'; readonly reason: string }
  | { readonly outcome: 'too-large'; readonly reason: string };

/** One alert as it appears in a message. */
export interface AlertLine {
  readonly id: string;
  readonly status: 'firing' | 'resolved';
  readonly title: string;
  readonly text: string;
  readonly startsAt: number;
  readonly endsAt?: number | undefined;
}

/** One notification group's state at flush time. */
export interface GroupSummary {
  readonly key: string;
  readonly severity: Severity;
  /** channel, severity, kind, region, reason. */
  readonly labels: Readonly<Record<string, string>>;
  readonly firing: readonly AlertLine[];
  readonly resolved: readonly AlertLine[];
  /** An unchanged firing group sent again after repeat_interval. */
  readonly repeat: boolean;
}

/** Channel-neutral content of one message: one group, or several folded into a digest. */
export interface MessageContent {
  readonly groups: readonly GroupSummary[];
  /** Epoch ms the content was produced (message time). */
  readonly at: number;
  /** Groups still pending for the channel that did not fit this digest; they follow later. */
  readonly pendingGroups?: number | undefined;
  /** How many times the content was shrunk after the channel said it was too large. */
  readonly shrink?: number | undefined;
}
