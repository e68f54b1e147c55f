/**
 * D1 writes made on behalf of a TaskDO through its outbox. Every statement is idempotent
 * (versioned upserts, insert-or-ignore), because the outbox retries until D1 says yes.
 */

import type { ApprovalRecord } from "../shared/approval";
import type { TaskEvent, TaskView } from "../shared/types";

export type RecordOp =
  | { op: "task"; task: TaskView }
  | { op: "event"; event: TaskEvent }
  | { op: "approval"; approval: ApprovalRecord }
  | { op: "heartbeat"; task_id: string; at: string }
  | { op: "gate_stats"; task_id: string; counts: { allow: number; deny: number; require_approval: number }; updated_at: string };

/** D1 rejects `undefined`; a record field that is absent is stored as NULL. */
const bind = (stmt: D1PreparedStatement, ...values: unknown[]) => stmt.bind(...values.map((v) => (v === undefined ? null : v)));

export function statementFor(db: D1Database, r: RecordOp): D1PreparedStatement {
  switch (r.op) {
    case "task": {
      const t = r.task;
      return bind(
        db.prepare(
          `INSERT INTO tasks (id, user_id, repo, issue_number, description, status, read_only, approval_timeout_s,
             approval_gate_cap, approval_gate_count, awaiting_approval_request_id, channel_source, channel_metadata,
             runner_id, pr_url, error_message, cost_usd, created_at, updated_at, started_at, completed_at,
             last_heartbeat_at, version)
           VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23)
           ON CONFLICT (id) DO UPDATE SET status = excluded.status,
             approval_gate_count = excluded.approval_gate_count,
             awaiting_approval_request_id = excluded.awaiting_approval_request_id,
             channel_metadata = excluded.channel_metadata, runner_id = excluded.runner_id, pr_url = excluded.pr_url,
             error_message = excluded.error_message, cost_usd = excluded.cost_usd, updated_at = excluded.updated_at,
             started_at = excluded.started_at, completed_at = excluded.completed_at,
             last_heartbeat_at = excluded.last_heartbeat_at, version = excluded.version
           WHERE excluded.version > tasks.version`,
        ),
        t.task_id,
        t.user_id,
        t.repo,
        t.issue_number,
        t.description,
        t.status,
        t.read_only ? 1 : 0,
        t.approval_timeout_s,
        t.approval_gate_cap,
        t.approval_gate_count,
        t.awaiting_approval_request_id,
        t.channel_source,
        JSON.stringify(t.channel_metadata),
        t.runner_id,
        t.pr_url,
        t.error_message,
        t.cost_usd,
        t.created_at,
        t.updated_at,
        t.started_at,
        t.completed_at,
        t.last_heartbeat_at,
        t.version,
      );
    }
    case "event": {
      const e = r.event;
      return bind(
        db.prepare("INSERT OR IGNORE INTO task_events (event_id, task_id, event_type, metadata, created_at) VALUES (?1, ?2, ?3, ?4, ?5)"),
        e.event_id,
        e.task_id,
        e.event_type,
        JSON.stringify(e.metadata),
        e.created_at,
      );
    }
    case "approval": {
      const a = r.approval;
      return bind(
        db.prepare(
          `INSERT INTO approvals (request_id, task_id, user_id, repo, tool_name, tool_input_preview, tool_input_sha256,
             reason, severity, matching_rule_ids, status, timeout_s, created_at, expires_at, decided_at, decided_by,
             scope, deny_reason, version, tool_input, effects, lifetime_ends_at, decided_role)
           VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23)
           ON CONFLICT (request_id) DO UPDATE SET status = excluded.status, decided_at = excluded.decided_at,
             decided_by = excluded.decided_by, decided_role = excluded.decided_role, scope = excluded.scope, deny_reason = excluded.deny_reason,
             version = excluded.version
           WHERE excluded.version > approvals.version`,
        ),
        a.request_id,
        a.task_id,
        a.user_id,
        a.repo,
        a.tool_name,
        a.tool_input_preview,
        a.tool_input_sha256,
        a.reason,
        a.severity,
        JSON.stringify(a.matching_rule_ids),
        a.status,
        a.timeout_s,
        a.created_at,
        a.expires_at,
        a.decided_at,
        a.decided_by,
        a.scope,
        a.deny_reason,
        a.version,
        // Records queued before whole inputs were kept have neither field.
        a.tool_input ? JSON.stringify(a.tool_input) : null,
        JSON.stringify(a.effects ?? []),
        a.lifetime_ends_at ?? null,
        a.decided_role ?? null,
      );
    }
    case "heartbeat":
      return db
        .prepare("UPDATE tasks SET last_heartbeat_at = ?2 WHERE id = ?1 AND (last_heartbeat_at IS NULL OR last_heartbeat_at < ?2)")
        .bind(r.task_id, r.at);
    case "gate_stats": {
      // Counters only grow: keep the larger value, so a late retry never goes backwards.
      const c = r.counts;
      return bind(
        db.prepare(
          `INSERT INTO gate_stats (task_id, allow, deny, require_approval, updated_at) VALUES (?1, ?2, ?3, ?4, ?5)
           ON CONFLICT (task_id) DO UPDATE SET allow = max(allow, excluded.allow), deny = max(deny, excluded.deny),
             require_approval = max(require_approval, excluded.require_approval), updated_at = excluded.updated_at`,
        ),
        r.task_id,
        c.allow,
        c.deny,
        c.require_approval,
        r.updated_at,
      );
    }
  }
}
