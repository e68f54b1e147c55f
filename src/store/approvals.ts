/** Read side of approval records. Lists read the preview; only single lookups carry the whole input. */
import type { ApprovalRecord, ApprovalSummary, DeciderRole } from "../shared/approval";
import { iso } from "../shared/clock";

type SummaryRow = Omit<ApprovalSummary, "matching_rule_ids" | "effects"> & { matching_rule_ids: string; effects: string };
type Row = SummaryRow & { tool_input: string | null };

const SUMMARY_COLUMNS = `request_id, task_id, user_id, repo, tool_name, tool_input_preview, tool_input_sha256, effects, reason,
  severity, matching_rule_ids, status, timeout_s, created_at, expires_at, decided_at, decided_by, decided_role, scope, deny_reason, version,
  lifetime_ends_at`;

const summaryOf = (r: SummaryRow): ApprovalSummary => ({
  ...r,
  matching_rule_ids: JSON.parse(r.matching_rule_ids) as string[],
  effects: JSON.parse(r.effects) as string[],
});

/** A pending approval with the right in which the asking user may decide it. */
export type DecidablePending = ApprovalSummary & { role: DeciderRole };

/** A user's own pending approvals (owner), in index order (idx_approvals_user_status). */
export const PENDING_SQL = `SELECT ${SUMMARY_COLUMNS} FROM approvals
  WHERE user_id = ? AND status = 'PENDING' AND expires_at > ? ORDER BY created_at LIMIT ?`;
/** One repo's pending approvals of other users (for its approvers), in index order (idx_approvals_repo_status). */
export const PENDING_OF_REPO_SQL = `SELECT ${SUMMARY_COLUMNS} FROM approvals
  WHERE repo = ? AND status = 'PENDING' AND expires_at > ? AND user_id <> ? ORDER BY created_at LIMIT ?`;
/** The repos whose blueprint lists the user as approver (repos are few: what admins onboarded). */
const APPROVED_REPOS_SQL = "SELECT r.id FROM repos r, json_each(r.blueprint, '$.approvers') j WHERE j.value = ?";

/**
 * The pending, unexpired approvals `userId` may decide, oldest first: those of their own tasks
 * (role owner) and those of repos whose blueprint lists them as approver (role approver). The one
 * list behind GET /v1/pending, `/bgagent pending` and App Home. The decision itself re-checks the
 * approver list (TaskDO), so a stale row here never grants anything.
 */
export async function pendingDecidableBy(db: D1Database, userId: string, limit = 100, now = Date.now()): Promise<DecidablePending[]> {
  const at = iso(now);
  const [own, repos] = await Promise.all([
    db.prepare(PENDING_SQL).bind(userId, at, limit).all<SummaryRow>(),
    db.prepare(APPROVED_REPOS_SQL).bind(userId).all<{ id: string }>(),
  ]);
  const approving = await Promise.all(
    repos.results.map((r) => db.prepare(PENDING_OF_REPO_SQL).bind(r.id, at, userId, limit).all<SummaryRow>()),
  );
  const rows: DecidablePending[] = [
    ...own.results.map((r) => ({ ...summaryOf(r), role: "owner" as const })),
    ...approving.flatMap((x) => x.results.map((r) => ({ ...summaryOf(r), role: "approver" as const }))),
  ];
  return rows.sort((a, b) => a.created_at.localeCompare(b.created_at)).slice(0, limit);
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
