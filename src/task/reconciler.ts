/** Cron safety net: prunes expired Slack link codes, old event-dedup rows and rate counters. */
import type { Env } from "../env";
import { log } from "../shared/log";
import { pruneRateCounters } from "../store/rateLimits";

const DEDUP_KEEP_MS = 60 * 60 * 1000;

export async function reconcile(env: Env, now: number): Promise<{ codes: number; dedup: number; rate_counters: number }> {
  const [codes, dedup] = await env.DB.batch([
    env.DB.prepare("DELETE FROM slack_link_codes WHERE expires_at < ?").bind(now),
    env.DB.prepare("DELETE FROM slack_event_dedup WHERE received_at < ?").bind(now - DEDUP_KEEP_MS),
  ]);
  const out = { codes: codes.meta.changes, dedup: dedup.meta.changes, rate_counters: await pruneRateCounters(env.DB, now) };
  log("reconciler.pruned", out);
  return out;
}
