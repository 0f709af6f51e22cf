import { createHash } from 'node:crypto';
import type { Channel, GroupSummary, MessageContent, SendOutcome } from '../channel.js';
import { BACKOFF_BASE_MS, classifyByStatus } from '../classify-http.js';
import { type HttpReply, parseRetryAfter } from '../post-body.js';
import { outlineOf, utf8Bytes } from '../render-outline.js';
import { signStandardWebhook } from '../sign-standard-webhook.js';
import { createHttpChannel, type HttpChannelOptions } from './create-http-channel.js';

/** Standard Webhooks recommends payloads under 20 KB; Alertmanager receivers accept more, so allow 64 KB. */
export const WEBHOOK_MAX_BYTES = 64_000;
/** Alertmanager's "zero" endsAt for firing alerts. */
const NO_END = '0001-01-01T00:00:00Z';

export interface WebhookAlert {
  readonly status: 'firing' | 'resolved';
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: { readonly title: string; readonly text: string };
  readonly startsAt: string;
  readonly endsAt: string;
  /** The alert's own page: livewatch's task page when LIVEWATCH_STATUS_URL is set, else the console. */
  readonly generatorURL: string;
  readonly fingerprint: string;
}

/** Alertmanager's webhook payload (version 4), so existing receivers can consume it. */
export interface WebhookBody {
  readonly version: '4';
  readonly groupKey: string;
  readonly truncatedAlerts: number;
  readonly status: 'firing' | 'resolved';
  readonly receiver: string;
  /** livewatch's status page (LIVEWATCH_STATUS_URL), or empty when none is configured. */
  readonly externalURL: string;
  readonly groupLabels: Readonly<Record<string, string>>;
  readonly commonLabels: Readonly<Record<string, string>>;
  readonly commonAnnotations: { readonly title: string };
  readonly alerts: readonly WebhookAlert[];
}

export interface WebhookChannelOptions extends HttpChannelOptions {
  /** LIVEWATCH_STATUS_URL: the body's `externalURL`. */
  readonly externalUrl?: string | undefined;
  /** Standard Webhooks secret (`whsec_<base64>` or raw); when set requests carry webhook-* headers. */
  readonly secret?: string | undefined;
}

/** A generic JSON webhook (Alertmanager-like body, Standard Webhooks signature). */
export function createWebhookChannel(options: WebhookChannelOptions): Channel {
  return createHttpChannel(options, {
    type: 'webhook',
    limits: [{ limit: 10, windowMs: 1_000 }],
    maxBytes: WEBHOOK_MAX_BYTES,
    defaultTimeoutMs: 15_000,
    render: (content, budget) =>
      renderWebhook(content, budget, {
        receiver: options.name ?? 'livewatch',
        externalUrl: options.externalUrl,
      }),
    prepare(body, now, context) {
      const text = JSON.stringify(body);
      const timestamp = Math.floor(now / 1000);
      // webhook-id is the receiver's idempotency key (the same on every retry): sent even unsigned.
      const headers: Record<string, string> = {
        'webhook-id': context.messageId,
        'webhook-timestamp': String(timestamp),
      };
      if (options.secret) {
        headers['webhook-signature'] = signStandardWebhook(
          options.secret,
          context.messageId,
          timestamp,
          text,
        );
      }
      return { text, headers };
    },
    classify: classifyWebhookReply,
  });
}

function alertsOf(group: GroupSummary): WebhookAlert[] {
  return [...group.firing, ...group.resolved].map((alert) => ({
    status: alert.status,
    labels: { alertname: group.labels.reason ?? 'livewatch', ...group.labels, id: alert.id },
    annotations: { title: alert.title, text: alert.text },
    startsAt: new Date(alert.startsAt).toISOString(),
    endsAt:
      alert.status === 'resolved' && alert.endsAt !== undefined
        ? new Date(alert.endsAt).toISOString()
        : NO_END,
    generatorURL:
      alert.links?.find((link) => link.kind === 'status')?.url ??
      alert.links?.find((link) => link.kind === 'console')?.url ??
      '',
    fingerprint: createHash('sha256').update(alert.id).digest('hex').slice(0, 16),
  }));
}

/** One group → its labels as groupLabels; a digest → every group's alerts under a digest key. */
export function renderWebhook(
  content: MessageContent,
  budget: number,
  options: { receiver?: string; externalUrl?: string | undefined } = {},
): WebhookBody {
  const outline = outlineOf(content);
  const only = content.groups.length === 1 ? content.groups[0] : undefined;
  const groupLabels = only ? only.labels : {};
  const groupKey = only
    ? only.key
    : `digest:${createHash('sha256')
        .update(content.groups.map((group) => group.key).join('\n'))
        .digest('hex')
        .slice(0, 16)}`;
  const all = content.groups.flatMap(alertsOf);
  const base = {
    version: '4' as const,
    groupKey,
    // Alertmanager knows only firing/resolved: one-shot notices are reported as firing here.
    status: outline.status === 'resolved' ? ('resolved' as const) : ('firing' as const),
    receiver: options.receiver ?? 'livewatch',
    externalURL: options.externalUrl ?? '',
    groupLabels,
    commonLabels: groupLabels,
    commonAnnotations: { title: outline.title },
  };
  const limit = Math.min(budget, WEBHOOK_MAX_BYTES);
  let used = utf8Bytes(JSON.stringify({ ...base, truncatedAlerts: all.length, alerts: [] }));
  const alerts: WebhookAlert[] = [];
  for (const alert of all) {
    const cost = utf8Bytes(JSON.stringify(alert)) + 1;
    if (used + cost > limit) break;
    alerts.push(alert);
    used += cost;
  }
  return { ...base, truncatedAlerts: all.length - alerts.length, alerts };
}

/**
 * Standard Webhooks' sender advice (https://github.com/standard-webhooks/standard-webhooks,
 * spec/standard-webhooks.md): only 2xx is success and every other status is retried; 410 disables
 * the endpoint; 429, 502 and 504 mean "slow down" (Retry-After honoured). 413 is shrunk and re-sent.
 */
export function classifyWebhookReply(reply: HttpReply, now: number): SendOutcome {
  const { status } = reply;
  if (status >= 200 && status < 300) return { outcome: 'sent' };
  if (status === 410) return { outcome: 'permanent', reason: 'webhook: HTTP 410 endpoint disabled' };
  if (status === 413) return classifyByStatus(reply, now, 'webhook');
  const snippet = reply.text.slice(0, 200).trim();
  const reason = `webhook: HTTP ${status} ${snippet}`.trim();
  const afterMs = parseRetryAfter(reply.headers.get('retry-after'), now);
  if (status === 429 || status === 502 || status === 504) {
    return { outcome: 'retry', afterMs: afterMs ?? 60_000, throttled: true, reason };
  }
  return { outcome: 'retry', afterMs: afterMs ?? BACKOFF_BASE_MS, backoff: true, reason };
}
