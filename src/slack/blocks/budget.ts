/**
 * One Block Kit budget for every builder: Slack's limits in one table, and the cuts that keep our
 * texts inside them. Slack refuses a message or view that passes any limit (`invalid_blocks`) and
 * a refused card is a card nobody sees, so every text that can grow (agent text, rule ids, inputs,
 * URLs) is cut here, with a visible "…", the important part first. Lengths are UTF-16 code units
 * (never fewer than the characters Slack counts), and a cut never splits a surrogate pair, an
 * `&amp;`-style escape or a `<…>` link or mention. Pure. The checker is budgetCheck.ts.
 */

/** Slack's limits (Block Kit reference: blocks, elements, composition objects, views). */
export const BUDGET = {
  /** Blocks in one message / one view (modal or App Home). */
  messageBlocks: 50,
  viewBlocks: 100,
  /** A message's top-level `text`: Slack advises 4,000 (it truncates past 40,000). */
  messageText: 4000,
  sectionText: 3000,
  sectionField: 2000,
  sectionFields: 10,
  contextElements: 10,
  /** A text element inside a context block. */
  contextText: 3000,
  headerText: 150,
  actionsElements: 25,
  buttonText: 75,
  buttonValue: 2000,
  url: 3000,
  actionId: 255,
  blockId: 255,
  confirmTitle: 100,
  confirmText: 300,
  confirmButton: 30,
  /** Modal title, submit and close texts. */
  viewTitle: 24,
  callbackId: 255,
  privateMetadata: 3000,
  externalId: 255,
  inputLabel: 2000,
  inputHint: 2000,
  placeholder: 150,
  /** plain_text_input's max_length (and min_length) may not exceed this. */
  plainTextInputMax: 3000,
  optionText: 75,
  optionValue: 150,
  optionDescription: 75,
  selectOptions: 100,
  overflowOptions: 5,
  radioOptions: 10,
  imageAltText: 2000,
  imageTitle: 2000,
} as const;

export const ELLIPSIS = "…";

const isHigh = (code: number) => code >= 0xd800 && code <= 0xdbff;

/** The longest prefix of `s` of at most `units` UTF-16 units that does not end inside a surrogate pair. */
function prefix(s: string, units: number): string {
  if (units <= 0) return "";
  const end = Math.min(units, s.length);
  return isHigh(s.charCodeAt(end - 1)) && end < s.length ? s.slice(0, end - 1) : s.slice(0, end);
}

/** `s` within `max` units: as is when it fits, else its start and "…". Plain text (no markup to protect). */
export function cut(s: string, max: number): string {
  if (s.length <= max) return s;
  return prefix(s, max - ELLIPSIS.length) + ELLIPSIS;
}

/**
 * `cut` for mrkdwn that is already escaped: the cut backs off to before an escape (`&amp;`) or a
 * `<…>` token (link, mention, date) it would split, so nothing half-formed reaches Slack.
 */
export function cutMrkdwn(s: string, max: number): string {
  if (s.length <= max) return s;
  let head = prefix(s, max - ELLIPSIS.length);
  const amp = head.lastIndexOf("&");
  if (amp >= 0 && !head.includes(";", amp)) head = head.slice(0, amp);
  const lt = head.lastIndexOf("<");
  if (lt >= 0 && !head.includes(">", lt)) head = head.slice(0, lt);
  return head + ELLIPSIS;
}

/**
 * Items joined by `sep` within `max` units: as many whole items as fit, then "… (+N more)". An item
 * longer than the room left is cut itself when it is the first, so the list never shows nothing.
 */
export function joinCapped(items: readonly string[], sep: string, max: number): string {
  const whole = items.join(sep);
  if (whole.length <= max) return whole;
  const more = (n: number) => (n ? `${sep}${ELLIPSIS} (+${n} more)` : "");
  const parts: string[] = [];
  let len = 0;
  for (let i = 0; i < items.length; i++) {
    const add = (parts.length ? sep.length : 0) + items[i].length;
    // Room for this item and for saying how many follow it.
    if (len + add + more(items.length - i - 1).length <= max) {
      parts.push(items[i]);
      len += add;
      continue;
    }
    if (parts.length) return parts.join(sep) + more(items.length - i);
    const tail = more(items.length - 1);
    return cut(items[0], Math.max(1, max - tail.length)) + tail;
  }
  return parts.join(sep);
}
