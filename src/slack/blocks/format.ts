/** Small text helpers for Slack messages. Every block they make is cut to the budget (budget.ts). */
import { BUDGET, cut, cutMrkdwn } from "./budget";

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

/** An https address that cannot break out of <url|label> and that Slack takes as a button's url. */
export const linkable = (url: string): boolean => /^https:\/\/[^\s<>|&]+$/.test(url) && url.length <= BUDGET.url;

/**
 * A link only to an address that cannot break out of <url|label>; anything else is shown as text.
 * The label is the address cut to `labelMax`; an address so long that the link and its label
 * might not fit one section is shown as (cut) text.
 */
export const agentLink = (url: string, labelMax = 200): string =>
  linkable(url) && url.length <= BUDGET.url / 2 ? `<${url}|${cutMrkdwn(esc(url), labelMax)}>` : cutMrkdwn(agentText(url), labelMax);

export type Block = Record<string, unknown>;
/** Slack refuses an empty text; a builder that has nothing to say still says something. */
const nonEmpty = (text: string) => text || "-";
export const section = (text: string): Block => ({
  type: "section",
  text: { type: "mrkdwn", text: nonEmpty(cutMrkdwn(text, BUDGET.sectionText)) },
});
export const context = (text: string): Block => ({
  type: "context",
  elements: [{ type: "mrkdwn", text: nonEmpty(cutMrkdwn(text, BUDGET.contextText)) }],
});

const plain = (text: string, max: number) => ({ type: "plain_text", text: nonEmpty(cut(text, max)) });

/** A button, optionally behind a confirm dialog. */
export function button(
  label: string,
  actionId: string,
  opts: { style?: "primary" | "danger"; url?: string; confirm?: { title: string; text: string; yes: string; no?: string } } = {},
): Block {
  const b: Block = { type: "button", text: plain(label, BUDGET.buttonText), action_id: actionId };
  if (opts.style) b.style = opts.style;
  if (opts.url) b.url = opts.url;
  if (opts.confirm) {
    b.confirm = {
      title: plain(opts.confirm.title, BUDGET.confirmTitle),
      text: plain(opts.confirm.text, BUDGET.confirmText),
      confirm: plain(opts.confirm.yes, BUDGET.confirmButton),
      deny: plain(opts.confirm.no ?? "Go back", BUDGET.confirmButton),
    };
  }
  return b;
}
