/**
 * GET /v1/pending (user): the approvals waiting for a decision the caller may take, oldest first:
 * their own tasks' (role owner) and those of repos where they are an approver (role approver).
 */
import { pendingDecidableBy } from "../store/approvals";
import { userId } from "./auth";
import type { AppContext } from "./context";
import { respond } from "./envelope";

export async function pendingRoute(c: AppContext) {
  const rows = await pendingDecidableBy(c.env.DB, userId(c.get("actor")));
  return respond(c, {
    pending: rows.map((r) => ({
      task_id: r.task_id,
      request_id: r.request_id,
      repo: r.repo,
      role: r.role,
      tool_name: r.tool_name,
      tool_input_preview: r.tool_input_preview,
      severity: r.severity,
      reason: r.reason,
      matching_rule_ids: r.matching_rule_ids,
      created_at: r.created_at,
      timeout_s: r.timeout_s,
      expires_at: r.expires_at,
    })),
  });
}
