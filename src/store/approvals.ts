/** Read side of approval records. Lists read the preview; only single lookups carry the whole input. */
import type { ApprovalRecord, ApprovalSummary } from "../shared/approval";

type SummaryRow = Omit<ApprovalSummary, "matching_rule_ids" | "effects"> & { matching_rule_ids: string; effects: string };
type Row = SummaryRow & { tool_input: string | null };

const SUMMARY_COLUMNS = `request_id, task_id, user_id, repo, tool_name, tool_input_preview, tool_input_sha256, effects, reason,
  severity, matching_rule_ids, status, timeout_s, created_at, expires_at, decided_at, decided_by, scope, deny_reason, version`;

const summaryOf = (r: SummaryRow): ApprovalSummary => ({
  ...r,
  matching_rule_ids: JSON.parse(r.matching_rule_ids) as string[],
  effects: JSON.parse(r.effects) as string[],
});

export const PENDING_SQL = `SELECT ${SUMMARY_COLUMNS} FROM approvals WHERE user_id = ? AND status = 'PENDING' ORDER BY created_at LIMIT ?`;

export async function pendingFor(db: D1Database, userId: string, limit = 100): Promise<ApprovalSummary[]> {
  const { results } = await db.prepare(PENDING_SQL).bind(userId, limit).all<SummaryRow>();
  return results.map(summaryOf);
}

export async function approvalById(db: D1Database, requestId: string): Promise<ApprovalSummary | null> {
  const r = await db.prepare(`SELECT ${SUMMARY_COLUMNS} FROM approvals WHERE request_id = ?`).bind(requestId).first<SummaryRow>();
  return r ? summaryOf(r) : null;
}

/** One approval with its whole tool input (up to 64 KB). */
export async function approvalWithInput(db: D1Database, requestId: string): Promise<ApprovalRecord | null> {
  const r = await db.prepare(`SELECT ${SUMMARY_COLUMNS}, tool_input FROM approvals WHERE request_id = ?`).bind(requestId).first<Row>();
  return r ? { ...summaryOf(r), tool_input: r.tool_input === null ? null : (JSON.parse(r.tool_input) as Record<string, unknown>) } : null;
}
