/** Secret redaction for anything a human typed or an agent sent that we store or show (deny reasons, input previews). */
const PATTERNS: Array<[string, RegExp]> = [
  ["PRIVATE_KEY", /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----/g],
  ["AWS_KEY", /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/g],
  ["AWS_SECRET", /\b(?:aws_secret_access_key|AWS_SECRET_ACCESS_KEY)\s*[=:]\s*[A-Za-z0-9/+]{40}\b/g],
  ["GITHUB_TOKEN", /\b(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{36}\b|\bgithub_pat_[A-Za-z0-9_]{80,}\b/g],
  ["SLACK_TOKEN", /\bxox[baprs]-[A-Za-z0-9-]{10,}\b/g],
  ["GENERIC_BEARER", /\b(?:Bearer|bearer)\s+[A-Za-z0-9._~+/=-]{20,}/g],
  ["BGAGENT_TOKEN", /\bbg[aurt]_[A-Za-z0-9_-]{20,}/g],
];

export function redact(text: string): string {
  let out = text;
  for (const [name, re] of PATTERNS) out = out.replace(re, `[REDACTED-${name}]`);
  return out;
}

// eslint-disable-next-line no-control-regex
const ANSI = /\x1B(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1B]*(?:\x07|\x1B\\)|[@-Z\\-_])/g;
export const stripAnsi = (s: string): string => s.replace(ANSI, "");

/** Cut to `max` characters including a trailing "..." when cut. */
export const truncate = (s: string, max: number): string => {
  if (s.length <= max) return s;
  const end = Math.max(0, max - 3);
  // Never half a surrogate pair (an emoji cut in two is not valid text for Slack or GitHub).
  return `${s.slice(0, /[\ud800-\udbff]/.test(s.charAt(end - 1)) ? end - 1 : end)}...`;
};

export const xmlEscape = (s: string): string =>
  s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
