/**
 * GET /v1/metrics?since=24h (admin): gate decisions, approvals by outcome and rule, decision
 * latency, limits, dispatch and tasks for one window. `since` is a duration (30m, 24h, 7d) or an
 * ISO time; the default is the last 24 hours.
 */
import { z } from "zod";
import { iso } from "../shared/clock";
import { AppError } from "../shared/errors";
import { shapeMetrics } from "../shared/metrics";
import { queryMetrics } from "../store/metrics";
import { parseQuery } from "./body";
import type { AppContext } from "./context";
import { respond } from "./envelope";

const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** "24h" -> now minus 24 hours; an ISO time as is; anything else null. */
export function parseSince(v: string, now: number): number | null {
  const d = /^(\d{1,5})([mhd])$/.exec(v);
  if (d) return now - Number(d[1]) * UNIT_MS[d[2] as keyof typeof UNIT_MS];
  const t = /^\d{4}-\d{2}-\d{2}/.test(v) ? Date.parse(v) : NaN;
  return Number.isNaN(t) ? null : t;
}

const Query = z.object({ since: z.string().max(40).default("24h") });

export async function metricsRoute(c: AppContext) {
  const { since } = parseQuery(c, Query);
  const now = Date.now();
  const from = parseSince(since, now);
  if (from === null || from > now)
    throw new AppError("VALIDATION_ERROR", 400, "since: use a duration like 30m, 24h, 7d or a past ISO time.");
  const rows = await queryMetrics(c.env.DB, iso(from));
  return respond(c, shapeMetrics(rows, { since: iso(from), until: iso(now) }));
}
