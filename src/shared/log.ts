/** One JSON line per notable event. Callers pass ids and counts, never secrets or raw deny reasons. */
export type LogLevel = "debug" | "info" | "warn" | "error";

const RANK: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };
let threshold = RANK.info;

/** From the LOG_LEVEL var, at each entry point (fetch, queue, scheduled, the DO); unknown values mean info. */
export function setLogLevel(level: string | undefined): void {
  threshold = RANK[(level ?? "info") as LogLevel] ?? RANK.info;
}

export function log(event: string, fields: Record<string, unknown> = {}, level: LogLevel = "info"): void {
  if (RANK[level] < threshold) return;
  const line = JSON.stringify({ level, event, ts: new Date().toISOString(), ...fields });
  if (level === "error") console.error(line);
  else if (level === "warn") console.warn(line);
  else console.log(line);
}
