/** GET /v1/pending (user): the caller's approvals waiting for a decision, oldest first. */
import { pendingFor } from "../store/approvals";
import { userId } from "./auth";
import type { AppContext } from "./context";
import { respond } from "./envelope";

export async function pendingRoute(c: AppContext) {
  const rows = await pendingFor(c.env.DB, userId(c.get("actor")));
  const now = Date.now();
  return respond(c, {
    pending: rows
      .filter((r) => Date.parse(r.expires_at) > now)
      .map((r) => ({
        task_id: r.task_id,
        request_id: r.request_id,
        repo: r.repo,
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
