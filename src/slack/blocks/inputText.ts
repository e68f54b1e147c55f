/**
 * A tool input as a human reads it in Slack: exact, unambiguous, and unable to break out of its
 * code block. Pure.
 *
 * - The text is the input's JSON, pretty-printed: JSON escapes control characters, and we also
 *   escape the invisible and direction-changing ones (zero-width, bidi overrides, tags), so what
 *   the human reads is what runs.
 * - Secret-looking tokens are masked (Slack is not the place for them), but a private-key block
 *   only loses its long base64 runs: masking it whole would let an agent hide commands between
 *   BEGIN and END lines. Every mask leaves a visible marker, and the card counts them.
 * - Inside the code block, & < > are escaped (no mentions, no links) and every backtick is followed
 *   by a zero-width space, so no run of three can close the block.
 */
import { redact } from "../../shared/redact";
import { visible } from "../../shared/visible";
import { BUDGET, cutMrkdwn } from "./budget";
import { esc } from "./format";

export const SECTION_CHARS = BUDGET.sectionText;

const PEM = /(-----BEGIN [A-Z ]*PRIVATE KEY-----)([\s\S]*?)(-----END [A-Z ]*PRIVATE KEY-----)/g;
const LONG_BASE64 = /[A-Za-z0-9+/=]{40,}/g;
const MASK = "[REDACTED-";

export interface ShownInput {
  /** What the human reads (before mrkdwn escaping). */
  text: string;
  /** How many secret-looking values were masked. */
  masked: number;
}

/** Mask secrets without letting a mask swallow anything but the secret. */
function maskSecrets(text: string): string {
  let out = "";
  let last = 0;
  for (const m of text.matchAll(PEM)) {
    out += redact(text.slice(last, m.index));
    out += m[1] + redact(m[2].replace(LONG_BASE64, `${MASK}PRIVATE_KEY]`)) + m[3];
    last = m.index + m[0].length;
  }
  return out + redact(text.slice(last));
}

const count = (s: string, sub: string): number => s.split(sub).length - 1;

export function shownInput(toolInput: unknown): ShownInput {
  const raw = visible(JSON.stringify(toolInput, null, 2) ?? "null");
  const text = maskSecrets(raw);
  return { text, masked: count(text, MASK) - count(raw, MASK) };
}

/** One character as mrkdwn inside a code block. */
const codeChar = (c: string): string => (c === "&" ? "&amp;" : c === "<" ? "&lt;" : c === ">" ? "&gt;" : c === "`" ? "`\u200b" : c);

export const codeBlock = (body: string): string => `\`\`\`\n${body}\n\`\`\``;
const FENCES = codeBlock("").length;

export interface CodeChunk {
  /** A section text: the code block. */
  text: string;
  /** How many characters (code points) of the input it shows. */
  chars: number;
}

/**
 * The input as code blocks of at most `sectionChars` each (escaping included), at most `max` of them.
 * Never splits a character, an escape, or a backtick from its zero-width space.
 */
export function codeChunks(text: string, max: number, sectionChars: number = SECTION_CHARS): CodeChunk[] {
  const room = sectionChars - FENCES;
  const chunks: CodeChunk[] = [];
  let body = "";
  let chars = 0;
  for (const c of text) {
    const e = codeChar(c);
    if (body.length + e.length > room) {
      chunks.push({ text: codeBlock(body), chars });
      if (chunks.length === max) return chunks;
      body = "";
      chars = 0;
    }
    body += e;
    chars++;
  }
  if (chars > 0 || chunks.length === 0) chunks.push({ text: codeBlock(body), chars });
  return chunks;
}

/** `s` escaped for mrkdwn and cut (with "…", never inside an escape) so the escaped text is at most `max` characters. */
export const escCapped = (s: string, max: number): string => cutMrkdwn(esc(s), max);

/** Characters as the card counts them (code points, not UTF-16 units). */
export const charCount = (text: string): number => [...text].length;
