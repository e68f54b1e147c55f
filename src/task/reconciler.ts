/**
 * Cron safety net. Each TaskDO watches itself with its alarm; this finds tasks whose D1 record
 * says they are overdue (in case an alarm was lost) and asks their DO to check now, and prunes
 * expired Slack link codes, old event-dedup rows and rate counters. The DO decides: D1 only
 * nominates, so a task that is fine in its DO is left alone.
 */
import type { Env } from "../env";
import { iso } from "../shared/clock";
import { log } from "../shared/log";
import { pruneRateCounters } from "../store/rateLimits";
import { overdueTaskIds } from "../store/tasks";
import { watchdogLimits } from "./watchdog";

const DEDUP_KEEP_MS = 60 * 60 * 1000;
/** Grace on top of each timeout, so the cron does not race a DO alarm that is about to fire. */
const MARGIN_MS = 60_000;
const BATCH = 200;

export interface ReconcileReport {
  checked: number;
  stranded: number;
  errors: number;
  codes: number;
  dedup: number;
  rate_counters: number;
}

export async function reconcile(env: Env, now: number): Promise<ReconcileReport> {
  const limits = watchdogLimits(env);
  const ids = await overdueTaskIds(env.DB, {
    unstartedBefore: iso(now - limits.strandedMs - MARGIN_MS),
    silentBefore: iso(now - limits.heartbeatMs - MARGIN_MS),
    approvalExpiredBefore: iso(now - MARGIN_MS),
    limit: BATCH,
  });
  let stranded = 0;
  let errors = 0;
  for (let i = 0; i < ids.length; i += 10) {
    await Promise.all(
      ids.slice(i, i + 10).map(async (id) => {
        try {
          const r = await env.TASKS.get(env.TASKS.idFromName(id)).reconcile();
          if (r.stranded) stranded++;
        } catch (err) {
          errors++;
          log("reconciler.task_failed", { task_id: id, error: String(err) }, "error");
        }
      }),
    );
  }
  const [codes, dedup] = await env.DB.batch([
    env.DB.prepare("DELETE FROM slack_link_codes WHERE expires_at < ?").bind(now),
    env.DB.prepare("DELETE FROM slack_event_dedup WHERE received_at < ?").bind(now - DEDUP_KEEP_MS),
  ]);
  const out = {
    checked: ids.length,
    stranded,
    errors,
    codes: codes.meta.changes,
    dedup: dedup.meta.changes,
    rate_counters: await pruneRateCounters(env.DB, now),
  };
  log("reconciler.run", out, errors ? "warn" : "info");
  return out;
}
