export type ApprovalStatus = "PENDING" | "APPROVED" | "DENIED" | "TIMED_OUT" | "CANCELLED" | "STRANDED";
export type Severity = "low" | "medium" | "high";

/** An approval request as stored (DO storage and the D1 `approvals` row). */
export interface ApprovalRecord {
  request_id: string;
  task_id: string;
  user_id: string;
  repo: string;
  tool_name: string;
  tool_input_preview: string;
  tool_input_sha256: string;
  reason: string;
  severity: Severity;
  matching_rule_ids: string[];
  status: ApprovalStatus;
  timeout_s: number;
  created_at: string;
  expires_at: string;
  decided_at: string | null;
  decided_by: string | null;
  scope: string | null;
  deny_reason: string | null;
  version: number;
}
