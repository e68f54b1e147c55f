/**
 * Retention, run by the cron: the history of tasks that ended more than RETENTION_DAYS ago (default
 * 30) is deleted (events, approvals with their tool inputs, deliveries, dead letters, the GitHub
 * comment id, gate counts). The task row stays: it is the small summary (who, repo, outcome, PR,
 * cost) that lists and accounting read, and deleting it would let a late outbox flush from the
 * task's Durable Object recreate a partial record.
 */
import type { Env } from "../env";
import { iso } from "../shared/clock";
import { log } from "../shared/log";
import { type PruneLimits, type PruneReport, pruneEndedTasks } from "../store/retention";

const DAY_MS = 86_400_000;
export const DEFAULT_RETENTION_DAYS = 30;

/**
 * Bounded per cron run (every 5 minutes): 500 rows per statement, 30 statements (28 deletes: 14 000 rows; with
 * the reconciler's few queries still under the Free plan's 50 D1 queries per invocation).
 */
export const RUN_LIMITS: PruneLimits = { tasks: 50, rowBatch: 500, maxStatements: 30 };

/** RETENTION_DAYS as a whole number of days, 1–3650; unset means the default; anything else is null (prune nothing). */
export function retentionDays(value: string | undefined): number | null {
  if (value === undefined || value.trim() === "") return DEFAULT_RETENTION_DAYS;
  if (!/^\d{1,4}$/.test(value.trim())) return null;
  const days = Number(value.trim());
  return days >= 1 && days <= 3650 ? days : null;
}

export async function pruneHistory(env: Env, now: number, limits: PruneLimits = RUN_LIMITS): Promise<PruneReport | null> {
  const days = retentionDays(env.RETENTION_DAYS);
  if (days === null) {
    // Fail safe: a setting we cannot read deletes nothing.
    log("retention.invalid_config", { retention_days: String(env.RETENTION_DAYS).slice(0, 20) }, "error");
    return null;
  }
  const report = await pruneEndedTasks(env.DB, iso(now - days * DAY_MS), iso(now), limits);
  log("retention.run", { days, ...report });
  return report;
}
