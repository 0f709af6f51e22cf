/**
 * Escaping of text that comes from outside (task names, reasons, details) for each channel's markup,
 * so a task named `[HD](http://x)`, `<font color=red>` or `<!channel>` stays inert text. Where a
 * vendor does not document its escapes (DingTalk and WeCom markdown), characters that could open a
 * link, a tag or a mention are replaced by look-alikes, which is safe under every reading of the
 * renderer; docs/notify.md "Escaping" lists the rules.
 */

const LOOKALIKE: Readonly<Record<string, string>> = {
  '[': '［',
  ']': '］',
  '<': '＜',
  '>': '＞',
};

/** DingTalk and WeCom markdown: no links, tags, emphasis or auto-linked URLs from outside text. */
export function escapeMarkdown(text: string): string {
  return oneLine(text)
    .replace(/[[\]<>]/g, (char) => LOOKALIKE[char] ?? char)
    .replace(/[\\*_`~#|!]/g, (char) => `\\${char}`)
    .replace(/:\/\//g, ':\u200b//');
}

/** A message title: escaped like any outside text, except livewatch's own leading `[LABEL]`. */
export function escapeMarkdownTitle(title: string): string {
  return escapeMarkdown(title).replace(/^(\S+ )［([^［］]{1,12})］/u, '$1[$2]');
}

/** Slack mrkdwn (also the top-level `text`): &, < and > are its control characters. */
export function escapeMrkdwn(text: string): string {
  return oneLine(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Feishu post `text` elements are plain text; `<at …>` is replaced so no reading can parse it. */
export function escapeFeishuText(text: string): string {
  return oneLine(text).replace(/[<>]/g, (char) => LOOKALIKE[char] ?? char);
}

/** A URL safe inside `[label](url)` and `<url|label>`: no spaces, parentheses, pipes or angle brackets. */
export function escapeLinkUrl(url: string): string {
  return url.replace(
    /[\s()|<>]/g,
    (char) => `%${char.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`,
  );
}

function oneLine(text: string): string {
  return text.replace(/\s*\n+\s*/g, ' ');
}
