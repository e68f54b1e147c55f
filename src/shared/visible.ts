/**
 * Text an agent wrote, made safe to read: invisible and direction-changing characters (zero-width,
 * bidi overrides, variation selectors, tags) become JSON-style \uXXXX escapes, so a reader sees
 * what runs. Used for the approval card (Slack) and `bgagent show` (terminal).
 */
// Zero-width and format characters, bidi controls, variation selectors, Hangul fillers, tags.
const INVISIBLE =
  /[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u2028-\u202f\u205f-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff0-\ufffb]|\udb40[\udc00-\udc7f]/g;
const unicodeEscape = (s: string): string =>
  [...Array(s.length).keys()].map((i) => `\\u${s.charCodeAt(i).toString(16).padStart(4, "0")}`).join("");

export const visible = (s: string): string => s.replace(INVISIBLE, unicodeEscape);
