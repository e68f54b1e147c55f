/** Parsing what people type to the bot. Pure. */

export interface MentionRequest {
  repo: string | null;
  issue_number: number | null;
  description: string;
}

const REPO_TOKEN = /(?:^|\s)([A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+)(?:#(\d+))?(?=\s|$|[.,;:!?])/;

/** "<@U123> acme/widgets#42 fix the flaky test" -> repo, issue and description. */
export function parseMention(text: string): MentionRequest {
  const clean = text
    .replace(/<@[A-Z0-9]+(?:\|[^>]*)?>/g, " ")
    .replace(/\s+/g, " ")
    .trim();
  const m = REPO_TOKEN.exec(clean);
  if (!m) return { repo: null, issue_number: null, description: clean };
  const description = `${clean.slice(0, m.index)} ${clean.slice(m.index + m[0].length)}`.replace(/\s+/g, " ").trim();
  return { repo: m[1].replace(/\.$/, ""), issue_number: m[2] ? Number(m[2]) : null, description };
}

const LINK_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789";
const LINK_CODE_LENGTH = 10;

/**
 * A one-time link code: 10 characters without look-alikes (no 0/O, 1/I/L), about 49 bits. Unbiased:
 * random bytes at or above the largest multiple of the alphabet size are drawn again (b % 31 would
 * favour the first 8 letters).
 */
export function newLinkCode(random: (n: number) => Uint8Array = (n) => crypto.getRandomValues(new Uint8Array(n))): string {
  const n = LINK_CODE_ALPHABET.length;
  const limit = 256 - (256 % n);
  let code = "";
  while (code.length < LINK_CODE_LENGTH) {
    for (const b of random(LINK_CODE_LENGTH)) {
      if (b < limit && code.length < LINK_CODE_LENGTH) code += LINK_CODE_ALPHABET[b % n];
    }
  }
  return code;
}
