export type ApprovalStatus = "PENDING" | "APPROVED" | "DENIED" | "TIMED_OUT" | "CANCELLED" | "STRANDED";
export const SEVERITIES = ["low", "medium", "high"] as const;
export type Severity = (typeof SEVERITIES)[number];
/** In which right a human decided: the task's owner, or a user the repo's blueprint lists as approver. */
export type DeciderRole = "owner" | "approver";

/** An approval request as listed: everything but the whole tool input. */
export interface ApprovalSummary {
  request_id: string;
  task_id: string;
  user_id: string;
  repo: string;
  tool_name: string;
  tool_input_preview: string;
  tool_input_sha256: string;
  /** What the call does, in short phrases for the human (most dangerous first), from the gate. */
  effects: string[];
  reason: string;
  severity: Severity;
  matching_rule_ids: string[];
  status: ApprovalStatus;
  timeout_s: number;
  created_at: string;
  expires_at: string;
  decided_at: string | null;
  decided_by: string | null;
  /** null for timeouts, closes without a human, and decisions recorded before roles were. */
  decided_role: DeciderRole | null;
  scope: string | null;
  deny_reason: string | null;
  version: number;
  /** Set when the window was clipped to end before the task's lifetime does: when that lifetime ends. */
  lifetime_ends_at?: string | null;
}

/** An approval request as stored (DO storage and the D1 `approvals` row). */
export interface ApprovalRecord extends ApprovalSummary {
  /** The whole tool input, exactly as the agent sent it; null for records kept before whole inputs were. */
  tool_input: Record<string, unknown> | null;
}

/** The answer to a gate call's approval, as the agent's long-poll reads it (the wire type). */
export interface ApprovalAnswer {
  request_id: string;
  status: ApprovalStatus;
  outcome: "allow" | "deny" | "pending";
  reason: string;
  scope: string | null;
  decided_at: string | null;
  expires_at: string;
}

/** What the owner or an approver reads besides the answer: the whole call, as the agent sent it. */
export interface ApprovalDetail {
  tool_name: string;
  tool_input: Record<string, unknown> | null;
  tool_input_preview: string;
  tool_input_sha256: string;
  effects: string[];
  gate_reason: string;
  severity: string;
  matching_rule_ids: string[];
  created_at: string;
  decided_by: string | null;
  decided_role: DeciderRole | null;
  deny_reason: string | null;
}
