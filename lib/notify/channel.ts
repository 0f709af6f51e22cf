import type { Severity } from '../store/store.js';
import type { HttpReply } from './post-body.js';

export type ChannelType = 'dingtalk' | 'slack' | 'feishu' | 'wecom' | 'webhook' | 'log';

/**
 * The channel adapter port. An adapter renders neutral message content into its channel's body
 * (within the channel's size limits) and sends a stored body, adding the URL and any signature
 * only at send time, so neither ever reaches the outbox, logs or errors.
 */
export interface Channel {
  /**
   * The receiver's name: the key of its groups and outbox messages. The settings' default receivers
   * are named after their type (`dingtalk`, …); receivers of a routing file carry their own names.
   */
  readonly name: string;
  /** `dingtalk`, `slack`, `feishu`, `wecom`, `webhook` or `log`. */
  readonly type: ChannelType;
  /**
   * Key under which instances share this channel's rate budget (Store.acquireRate). Derived from
   * a hash of the webhook URL, never the URL itself, so two robots get two budgets.
   */
  readonly rateKey: string;
  /**
   * Several endpoints of one receiver (DingTalk robots rotated to get past 20/min each), each paced
   * on its own under `limits`; `send` posts to the one `SendContext.lane` names. Absent: one
   * endpoint, paced under `rateKey`.
   */
  readonly lanes?: ReadonlyArray<{ readonly rateKey: string }> | undefined;
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
  /** Which of the channel's `lanes` to post to (default 0). */
  readonly lane?: number | undefined;
  readonly signal?: AbortSignal;
  /** Sees the raw reply before it is classified (`livewatch notify test` prints its status and code). */
  readonly onReply?: ((reply: HttpReply) => void) | undefined;
}

/**
 * How a send ended. `retry` with `backoff` asks the outbox for exponential backoff of at least
 * `afterMs` (unknown codes, 5xx, network errors); without it `afterMs` is the vendor's wait.
 * `throttled` marks the channel's rate limit or quota (DingTalk 130101, Slack 429, …): waiting is
 * not failing, so it never counts toward LIVEWATCH_NOTIFY_MAX_ATTEMPTS; only the age limit ends it.
 * `too-large` asks for the content to be shrunk and sent again.
 */
export type SendOutcome =
  | { readonly outcome: 'sent' }
  | {
      readonly outcome: 'retry';
      readonly afterMs: number;
      readonly reason: string;
      readonly backoff?: boolean;
      readonly throttled?: boolean;
    }
  | { readonly outcome: 'permanent'; readonly reason: string }
  | { readonly outcome: 'too-large'; readonly reason: string };

/** A link shown with an alert: the task in the Alibaba Cloud console, or livewatch's status page. */
export interface AlertLink {
  readonly kind: 'console' | 'status';
  readonly url: string;
}

/** One alert as it appears in a message. */
export interface AlertLine {
  readonly id: string;
  readonly status: 'firing' | 'resolved';
  readonly title: string;
  readonly text: string;
  /** The wording in Chinese, used when the message's language is zh-CN. */
  readonly zh?: { readonly title: string; readonly text: string } | undefined;
  readonly links?: readonly AlertLink[] | undefined;
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
  /** Firing alerts never sent before in this group (only these may @-mention people). */
  readonly fresh?: number | undefined;
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
  /** Language and IANA time zone of the message (default en, UTC). */
  readonly language?: 'en' | 'zh-CN' | undefined;
  readonly timeZone?: string | undefined;
  /** The route's severities that may @-mention (overrides the receiver's `mentions.on`). */
  readonly mentionOn?: readonly Severity[] | undefined;
}
