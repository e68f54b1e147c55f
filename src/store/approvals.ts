/** Read side of approval records. */
import type { ApprovalRecord } from "../task/approvalRecord";

type Row = Omit<ApprovalRecord, "matching_rule_ids"> & { matching_rule_ids: string };

export async function pendingFor(db: D1Database, userId: string, limit = 100): Promise<ApprovalRecord[]> {
  const { results } = await db
    .prepare("SELECT * FROM approvals WHERE user_id = ? AND status = 'PENDING' ORDER BY created_at LIMIT ?")
    .bind(userId, limit)
    .all<Row>();
  return results.map((r) => ({ ...r, matching_rule_ids: JSON.parse(r.matching_rule_ids) as string[] }));
}

export async function approvalById(db: D1Database, requestId: string): Promise<ApprovalRecord | null> {
  const r = await db.prepare("SELECT * FROM approvals WHERE request_id = ?").bind(requestId).first<Row>();
  return r ? { ...r, matching_rule_ids: JSON.parse(r.matching_rule_ids) as string[] } : null;
}
