/** Read side of the task records (written only by TaskDOs through their outbox). */

import { type TaskStatus, TERMINAL_STATUSES } from "../shared/taskStatus";
import type { TaskEvent } from "../shared/types";

export interface TaskRow {
  id: string;
  user_id: string;
  repo: string;
  issue_number: number | null;
  description: string;
  status: TaskStatus;
  created_at: string;
  updated_at: string;
  pr_url: string | null;
  awaiting_approval_request_id: string | null;
}

export interface TaskQuery {
  user_id?: string;
  status?: TaskStatus;
  before?: string;
  limit: number;
}

/** The list statement for a query's filters (exported so its plans are tested); newest first by id (ULID). */
export function listTasksQuery(q: TaskQuery): { sql: string; args: unknown[] } {
  const where: string[] = [];
  const args: unknown[] = [];
  const filter = (clause: string, value: unknown) => {
    where.push(clause);
    args.push(value);
  };
  if (q.user_id) filter("user_id = ?", q.user_id);
  if (q.status) filter("status = ?", q.status);
  if (q.before) filter("id < ?", q.before);
  const sql = `SELECT id, user_id, repo, issue_number, description, status, created_at, updated_at, pr_url,
      awaiting_approval_request_id FROM tasks ${where.length ? `WHERE ${where.join(" AND ")}` : ""}
      ORDER BY id DESC LIMIT ?`;
  return { sql, args: [...args, q.limit] };
}

export async function listTasks(db: D1Database, q: TaskQuery): Promise<TaskRow[]> {
  const { sql, args } = listTasksQuery(q);
  const { results } = await db
    .prepare(sql)
    .bind(...args)
    .all<TaskRow>();
  return results;
}

/**
 * Oldest SUBMITTED tasks, for runners to claim. `repoGlobs` (a runner's limits, lower case) keeps
 * out every task whose repo matches none of them, in the query itself so that tasks outside the
 * limits never crowd out the ones inside.
 */
export async function claimableTaskIds(db: D1Database, limit: number, repoGlobs: string[] | null = null): Promise<string[]> {
  const { results } = await db
    .prepare(
      `SELECT id FROM tasks WHERE status = 'SUBMITTED'
         AND (?1 IS NULL OR EXISTS (SELECT 1 FROM json_each(?1) WHERE lower(tasks.repo) GLOB json_each.value))
       ORDER BY created_at, id LIMIT ?2`,
    )
    .bind(repoGlobs ? JSON.stringify(repoGlobs) : null, limit)
    .all<{ id: string }>();
  return results.map((r) => r.id);
}

/** Tasks a runner claimed that may still be live (the records may lag their TaskDO; it has the last word). */
export async function liveTaskIdsOfRunner(db: D1Database, runnerId: string): Promise<string[]> {
  const { results } = await db
    .prepare(`SELECT id FROM tasks WHERE runner_id = ? AND status NOT IN (${TERMINAL_STATUSES.map((s) => `'${s}'`).join(", ")})`)
    .bind(runnerId)
    .all<{ id: string }>();
  return results.map((r) => r.id);
}

export async function listEvents(db: D1Database, taskId: string, after: string | undefined, limit: number): Promise<TaskEvent[]> {
  const { results } = await db
    .prepare(
      `SELECT event_id, task_id, event_type, metadata, created_at FROM task_events
       WHERE task_id = ? AND event_id > ? ORDER BY event_id LIMIT ?`,
    )
    .bind(taskId, after ?? "", limit)
    .all<Omit<TaskEvent, "metadata"> & { metadata: string }>();
  return results.map((r) => ({ ...r, metadata: JSON.parse(r.metadata) as Record<string, unknown> }));
}

export interface OverdueQuery {
  /** SUBMITTED/HYDRATING last changed before this. */
  unstartedBefore: string;
  /** Taken by a runner, last heartbeat (or start) before this. */
  silentBefore: string;
  /** A PENDING approval that expired before this. */
  approvalExpiredBefore: string;
  limit: number;
}

/**
 * Tasks whose records say they should have been stranded or timed out by now (for the reconciler;
 * the same rules as the TaskDO's watchdog: isUnstarted, lastSignOfLife).
 */
export const OVERDUE_SQL = `SELECT id FROM tasks WHERE status IN ('SUBMITTED', 'HYDRATING') AND updated_at < ?1
       UNION
       SELECT id FROM tasks WHERE status IN ('RUNNING', 'AWAITING_APPROVAL', 'FINALIZING')
         AND COALESCE(last_heartbeat_at, started_at, updated_at) < ?2
       UNION
       SELECT task_id AS id FROM approvals WHERE status = 'PENDING' AND expires_at < ?3
       LIMIT ?4`;

export async function overdueTaskIds(db: D1Database, q: OverdueQuery): Promise<string[]> {
  const { results } = await db
    .prepare(OVERDUE_SQL)
    .bind(q.unstartedBefore, q.silentBefore, q.approvalExpiredBefore, q.limit)
    .all<{ id: string }>();
  return results.map((r) => r.id);
}
