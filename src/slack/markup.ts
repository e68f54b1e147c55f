/**
 * Slack message markup to plain text, before it becomes a task's text (the agent's prompt): the
 * agent should read what the person typed, not `&amp;` or `<https://x|label>`. Pure.
 * https://api.slack.com/reference/surfaces/formatting#retrieving-messages
 */

const ENTITIES: Record<string, string> = { "&amp;": "&", "&lt;": "<", "&gt;": ">" };
const decodeEntities = (s: string): string => s.replace(/&(?:amp|lt|gt);/g, (m) => ENTITIES[m]);

/** `<!here>`, `<!subteam^S1|@team>`, `<!date^…|fallback>`: what Slack itself shows. */
function special(body: string, label: string | null): string {
  if (label) return body.startsWith("subteam^") && !label.startsWith("@") ? `@${label}` : label;
  const [kind, id] = body.split("^");
  if (kind === "subteam") return `@${id ?? "team"}`;
  return `@${kind}`; // here, channel, everyone
}

/** One `<…>` token, its inside given. */
function token(inside: string): string {
  const bar = inside.indexOf("|");
  const body = bar < 0 ? inside : inside.slice(0, bar);
  const label = bar < 0 ? null : decodeEntities(inside.slice(bar + 1));
  switch (body[0]) {
    case "@":
      return `@${label ?? body.slice(1)}`;
    case "#":
      return `#${label ?? body.slice(1)}`;
    case "!":
      return special(body.slice(1), label);
  }
  const url = decodeEntities(body);
  if (!label) return url.replace(/^mailto:/, "");
  // Slack links what people type ("example.com" -> <http://example.com|example.com>): keep what they typed.
  if (label === url || label === url.replace(/^(?:https?:\/\/|mailto:)/, "")) return label;
  return `${label} (${url})`;
}

/** Slack markup to plain text: entities, links, user / channel / group mentions, dates. */
export function decodeSlackText(text: string): string {
  let out = "";
  let last = 0;
  for (const m of text.matchAll(/<([^<>]*)>/g)) {
    out += decodeEntities(text.slice(last, m.index)) + token(m[1]);
    last = m.index + m[0].length;
  }
  return out + decodeEntities(text.slice(last));
}

/**
 * A mention's text without the bot's own mention. With the bot's user id (from the event's
 * `authorizations`) every mention of it goes; without it, only a mention that leads the text.
 */
export function withoutBotMention(text: string, botUserId?: string): string {
  if (botUserId && /^[A-Z0-9]+$/.test(botUserId)) return text.replace(new RegExp(`<@${botUserId}(?:\\|[^>]*)?>`, "g"), " ");
  return text.replace(/^\s*<@[A-Z0-9]+(?:\|[^>]*)?>/, " ");
}
