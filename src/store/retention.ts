/**
 * Pruning the history of ended tasks (src/task/retention.ts decides when). Every statement is
 * bounded: tasks are taken a few at a time, rows deleted at most `rowBatch` per statement.
 */
import { TERMINAL_STATUSES } from "../shared/taskStatus";

/** Tables that hold a task's history, each with an index leading with task_id. */
export const HISTORY_TABLES = ["task_events", "approvals", "deliveries", "dead_letters", "github_comments", "gate_stats"] as const;

/**
 * Ended tasks whose history is still kept, ended (last changed) before ?1, oldest first. It reads
 * the partial index idx_tasks_prunable (migration 0007), which holds only those tasks, so pruned
 * tasks are never read again. INDEXED BY: without table statistics SQLite prefers
 * idx_tasks_status_updated, which walks every ended task ever recorded.
 */
export const PRUNABLE_SQL = `SELECT id FROM tasks INDEXED BY idx_tasks_prunable WHERE history_pruned_at IS NULL
  AND status IN (${TERMINAL_STATUSES.map((s) => `'${s}'`).join(", ")}) AND updated_at < ?1 ORDER BY updated_at LIMIT ?2`;

/** At most ?2 rows of `table` belonging to the tasks in ?1 (a JSON array of ids). */
export const pruneSql = (table: (typeof HISTORY_TABLES)[number]) =>
  `DELETE FROM ${table} WHERE rowid IN (SELECT rowid FROM ${table} WHERE task_id IN (SELECT value FROM json_each(?1)) LIMIT ?2)`;

/** At most ?2 approval cards (migration 0010) of the tasks in ?1: they have no task_id, so they go through their approvals, before those. */
export const CARDS_PRUNE_SQL = `DELETE FROM approval_cards WHERE rowid IN (SELECT c.rowid FROM approvals a
  JOIN approval_cards c ON c.request_id = a.request_id WHERE a.task_id IN (SELECT value FROM json_each(?1)) LIMIT ?2)`;

const PRUNE_STEPS = HISTORY_TABLES.flatMap((t) => (t === "approvals" ? [CARDS_PRUNE_SQL, pruneSql(t)] : [pruneSql(t)]));

const MARK_PRUNED_SQL = "UPDATE tasks SET history_pruned_at = ?2 WHERE id IN (SELECT value FROM json_each(?1))";

export interface PruneLimits {
  /** Tasks taken per run. */
  tasks: number;
  /** Rows deleted per statement at most. */
  rowBatch: number;
  /** D1 statements per run at most (the lookup and the marking included). */
  maxStatements: number;
}

export interface PruneReport {
  /** Tasks whose history is now gone entirely. */
  tasks: number;
  rows: number;
  statements: number;
  /** The statement cap was reached before the tasks were done; the next run carries on. */
  capped: boolean;
}

export async function pruneEndedTasks(db: D1Database, endedBefore: string, now: string, limits: PruneLimits): Promise<PruneReport> {
  const { results } = await db.prepare(PRUNABLE_SQL).bind(endedBefore, limits.tasks).all<{ id: string }>();
  const report: PruneReport = { tasks: 0, rows: 0, statements: 1, capped: false };
  if (results.length === 0) return report;
  const ids = JSON.stringify(results.map((r) => r.id));
  for (const sql of PRUNE_STEPS) {
    for (;;) {
      // Leave room for the marking statement.
      if (report.statements >= limits.maxStatements - 1) return { ...report, capped: true };
      const r = await db.prepare(sql).bind(ids, limits.rowBatch).run();
      report.statements++;
      report.rows += r.meta.changes;
      if (r.meta.changes < limits.rowBatch) break;
    }
  }
  await db.prepare(MARK_PRUNED_SQL).bind(ids, now).run();
  return { ...report, tasks: results.length, statements: report.statements + 1 };
}
