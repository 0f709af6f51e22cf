import type { Clock } from '../../clock.js';
import type { Channel, ChannelType, RateLimit, SendContext, SendOutcome } from '../channel.js';
import { postAndClassify } from '../post-and-classify.js';
import type { HttpReply } from '../post-body.js';
import { rateKeyOf } from '../rate-key.js';

/** What every single-URL chat receiver is configured with (DingTalk's rotating robots are not). */
export interface HttpChannelOptions {
  readonly name?: string | undefined;
  /** The receiver's webhook URL (a credential: only its hash names the rate budget). */
  readonly url: string;
  readonly clock: Clock;
  readonly timeoutMs?: number;
}

/** What one channel type adds to the shared post + classify steps. */
interface HttpChannelSpec {
  readonly type: ChannelType;
  readonly limits: readonly RateLimit[];
  readonly maxBytes: number;
  readonly defaultTimeoutMs?: number;
  readonly render: Channel['render'];
  /**
   * The wire form of a rendered body at send time `now`. Signatures are added here, never at render
   * time, so the outbox never holds one. Default: the body as JSON, no extra headers.
   */
  readonly prepare?: (
    body: unknown,
    now: number,
    context: SendContext,
  ) => { readonly text: string; readonly headers?: Record<string, string> };
  /** Reads the reply; `now` is the clock when the reply arrived (a Retry-After date counts from it). */
  readonly classify: (reply: HttpReply, now: number) => SendOutcome;
}

/** A chat channel that POSTs to one URL: name, rate key, timeout and the post + classify steps in one place. */
export function createHttpChannel(options: HttpChannelOptions, spec: HttpChannelSpec): Channel {
  return {
    name: options.name ?? spec.type,
    type: spec.type,
    rateKey: rateKeyOf(spec.type, options.url),
    limits: spec.limits,
    maxBytes: spec.maxBytes,
    render: spec.render,
    async send(body, context) {
      const wire = spec.prepare?.(body, options.clock.now(), context) ?? { text: JSON.stringify(body) };
      return postAndClassify(
        spec.type,
        options.url,
        wire.text,
        {
          ...(wire.headers ? { headers: wire.headers } : {}),
          timeoutMs: options.timeoutMs ?? spec.defaultTimeoutMs ?? 10_000,
          signal: context.signal,
          onReply: context.onReply,
        },
        (reply) => spec.classify(reply, options.clock.now()),
      );
    },
  };
}
