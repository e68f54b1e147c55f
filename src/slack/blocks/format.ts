/** Small text helpers for Slack messages. */
/** 45s, 2m 10s, 1h 5m */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${s % 60 ? ` ${s % 60}s` : ""}`;
  return `${Math.floor(s / 3600)}h${Math.floor((s % 3600) / 60) ? ` ${Math.floor((s % 3600) / 60)}m` : ""}`;
}

/** Escape text for mrkdwn (& < > are the only characters Slack requires escaped). */
export const esc = (s: string): string => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/**
 * Text an agent wrote, for mrkdwn: escaped (so no <!channel>, <@U…> or <url|label> survives) and
 * with a word joiner after "@", "://" and "www" so Slack makes no mention or link of what is left.
 */
export const agentText = (s: string): string =>
  esc(s)
    .replace(/@/g, "@\u2060")
    .replace(/:\/\//g, ":\u2060//")
    .replace(/www\./gi, (m) => `${m.slice(0, 3)}\u2060.`);

/** A link only to an address that cannot break out of <url|label>; anything else is shown as text. */
export const agentLink = (url: string): string => (/^https:\/\/[^\s<>|&]+$/.test(url) ? `<${url}|${esc(url)}>` : agentText(url));

export type Block = Record<string, unknown>;
export const section = (text: string): Block => ({ type: "section", text: { type: "mrkdwn", text } });
export const context = (text: string): Block => ({ type: "context", elements: [{ type: "mrkdwn", text }] });

const plain = (text: string) => ({ type: "plain_text", text });

/** A button, optionally behind a confirm dialog. */
export function button(
  label: string,
  actionId: string,
  opts: { style?: "primary" | "danger"; url?: string; confirm?: { title: string; text: string; yes: string; no?: string } } = {},
): Block {
  const b: Block = { type: "button", text: plain(label), action_id: actionId };
  if (opts.style) b.style = opts.style;
  if (opts.url) b.url = opts.url;
  if (opts.confirm) {
    b.confirm = {
      title: plain(opts.confirm.title),
      text: plain(opts.confirm.text),
      confirm: plain(opts.confirm.yes),
      deny: plain(opts.confirm.no ?? "Go back"),
    };
  }
  return b;
}
