/** Small text helpers for Slack messages. */
export const trunc = (s: string, n: number): string => (s.length <= n ? s : `${s.slice(0, n - 3)}...`);

/** 45s, 2m 10s, 1h 5m */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${s % 60 ? ` ${s % 60}s` : ""}`;
  return `${Math.floor(s / 3600)}h${Math.floor((s % 3600) / 60) ? ` ${Math.floor((s % 3600) / 60)}m` : ""}`;
}

/** Escape text for mrkdwn (& < > are the only characters Slack requires escaped). */
export const esc = (s: string): string => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

export type Block = Record<string, unknown>;
export const section = (text: string): Block => ({ type: "section", text: { type: "mrkdwn", text } });
export const context = (text: string): Block => ({ type: "context", elements: [{ type: "mrkdwn", text }] });
