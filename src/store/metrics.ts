/** The D1 side of GET /v1/metrics: every figure of one window in one batch (shaped in metrics/report.ts). */
import type { MetricRows } from "../shared/metrics";
import { TASK_STATUSES, TERMINAL_STATUSES } from "../shared/taskStatus";

const LIVE = `(${TASK_STATUSES.filter((s) => !TERMINAL_STATUSES.includes(s))
  .map((s) => `'${s}'`)
  .join(", ")})`;
/** Decision latency is computed over at most this many of the newest decided approvals. */
const LATENCY_SAMPLE = 20_000;

/** The statements of one metrics window (?1 = its start, ISO), exported so their query plans are tested. */
export const METRICS_SQL = {
  gate: "SELECT SUM(allow) AS allow, SUM(deny) AS deny, SUM(require_approval) AS require_approval FROM gate_stats WHERE updated_at >= ?1",
  byRule: `SELECT status, NULL AS rule_id, COUNT(*) AS n FROM approvals WHERE created_at >= ?1 GROUP BY status
         UNION ALL
         SELECT a.status, j.value AS rule_id, COUNT(*) AS n FROM approvals a, json_each(a.matching_rule_ids) j
           WHERE a.created_at >= ?1 GROUP BY a.status, j.value`,
  latencies: `SELECT status, (julianday(decided_at) - julianday(created_at)) * 86400000.0 AS ms FROM approvals
         WHERE created_at >= ?1 AND decided_at IS NOT NULL AND status IN ('APPROVED', 'DENIED', 'TIMED_OUT')
         ORDER BY created_at DESC LIMIT ${LATENCY_SAMPLE}`,
  events: `SELECT event_type, COUNT(*) AS n FROM task_events WHERE created_at >= ?1 AND event_type IN
           ('approval_timeout_capped', 'approval_cap_exceeded', 'approval_rate_limit_exceeded')
         GROUP BY event_type`,
  deliveries:
    "SELECT channel, status, COUNT(*) AS n, SUM(attempts - 1) AS retried FROM deliveries WHERE created_at >= ?1 GROUP BY channel, status",
  deadLetters: "SELECT json_extract(message, '$.channel') AS channel, COUNT(*) AS n FROM dead_letters WHERE created_at >= ?1 GROUP BY 1",
  // Live tasks whatever their age, plus every task that changed in the window. Two indexed lookups
  // joined by UNION (an OR with NOT IN would read every task ever recorded).
  tasks: `SELECT status, COUNT(*) AS n FROM (
           SELECT id, status FROM tasks WHERE updated_at >= ?1
           UNION
           SELECT id, status FROM tasks WHERE status IN ${LIVE}
         ) GROUP BY status`,
} as const;

/** One D1 round trip for every figure of the window starting at `since` (ISO). */
export async function queryMetrics(db: D1Database, since: string): Promise<MetricRows> {
  const q = (sql: string) => db.prepare(sql).bind(since);
  // biome-ignore lint/suspicious/noExplicitAny: one batch of seven row shapes; the return type (MetricRows) names them
  const [gate, byRule, latencies, events, deliveries, deadLetters, tasks] = await db.batch<any>([
    q(METRICS_SQL.gate),
    q(METRICS_SQL.byRule),
    q(METRICS_SQL.latencies),
    q(METRICS_SQL.events),
    q(METRICS_SQL.deliveries),
    q(METRICS_SQL.deadLetters),
    q(METRICS_SQL.tasks),
  ]);
  return {
    gate: gate.results[0] ?? { allow: 0, deny: 0, require_approval: 0 },
    approvalsByRule: byRule.results,
    latencies: latencies.results,
    events: events.results,
    deliveries: deliveries.results,
    deadLetters: deadLetters.results,
    tasks: tasks.results,
  };
}
