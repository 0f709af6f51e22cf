import type { SendOutcome } from './channel.js';
import { BACKOFF_BASE_MS } from './classify-http.js';
import { type HttpReply, type PostBodyOptions, postBody } from './post-body.js';

/**
 * The `send` step every HTTP chat channel shares: POST the body; a transport failure (refused,
 * reset, timeout) is retried with backoff, reason `<channel>: <what failed>`; a reply is handed to
 * the channel's own classifier. `classify` runs only after the reply arrived, so a channel that
 * reads the clock there sees the time of the answer.
 */
export async function postAndClassify(
  channel: string,
  url: string,
  body: string,
  options: PostBodyOptions & { readonly onReply?: ((reply: HttpReply) => void) | undefined },
  classify: (reply: HttpReply) => SendOutcome,
): Promise<SendOutcome> {
  const result = await postBody(url, body, options);
  if (result.ok) options.onReply?.(result.reply);
  if (!result.ok) {
    return {
      outcome: 'retry',
      afterMs: BACKOFF_BASE_MS,
      backoff: true,
      reason: `${channel}: ${result.reason}`,
    };
  }
  return classify(result.reply);
}
