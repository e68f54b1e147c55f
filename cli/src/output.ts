/** Human output by default, one JSON document with --json. */
export interface OutputOpts {
  json?: boolean;
}

export function emit(opts: OutputOpts, data: unknown, human: () => string): void {
  process.stdout.write(opts.json ? `${JSON.stringify(data, null, 2)}\n` : `${human()}\n`);
}

export function table(rows: string[][]): string {
  if (rows.length === 0) return "";
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join("  ")).join("\n");
}

/** Seconds as a person reads them: "45s", "4m 50s", "2h 5m", "3d 4h" (two units at most). */
export function humanDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const units: [number, string][] = [
    [86400, "d"],
    [3600, "h"],
    [60, "m"],
    [1, "s"],
  ];
  const i = units.findIndex(([size]) => s >= size);
  if (i === -1) return "0s";
  const [big, bigName] = units[i];
  const head = `${Math.floor(s / big)}${bigName}`;
  const next = units[i + 1];
  const rest = next ? Math.floor((s % big) / next[0]) : 0;
  return rest ? `${head} ${rest}${next[1]}` : head;
}

/** Time until a deadline: "4m 50s left", or `over` (e.g. "expired") once it has passed. */
export function timeLeft(isoTime: string, now = Date.now(), over = "expired"): string {
  const s = (Date.parse(isoTime) - now) / 1000;
  return s >= 1 ? `${humanDuration(s)} left` : over;
}

/** Time since: "4m 50s ago"; a time in the future (clock skew) reads "just now", never negative. */
export const ago = (isoTime: string | null | undefined, now = Date.now()): string => {
  if (!isoTime) return "-";
  const s = (now - Date.parse(isoTime)) / 1000;
  return s < 1 ? "just now" : `${humanDuration(s)} ago`;
};
