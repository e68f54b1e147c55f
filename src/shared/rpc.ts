/** The TaskDO's RPC wire types: what routes, Slack handlers and services send and get back. */
import type { ApprovalStatus } from "./approval";
import type { Blueprint } from "./blueprint";
import type { TaskView } from "./types";

export interface TaskInit {
  task_id: string;
  user_id: string;
  repo: string;
  issue_number: number | null;
  description: string;
  read_only: boolean;
  approval_timeout_s: number;
  approval_gate_cap: number;
  /** Seconds from submit after which the task ends TIMED_OUT. */
  max_lifetime_s: number;
  initial_approvals: string[];
  channel_source: TaskView["channel_source"];
  channel_metadata: TaskView["channel_metadata"];
  /**
   * The repo blueprint's policy part, frozen at submit so a task's rules never change under it.
   * Approvers are not frozen: they are read from the repo's current blueprint at each decision.
   */
  policy: TaskPolicy;
}

export type TaskPolicy = Pick<Blueprint, "hard_policies" | "soft_policies" | "disabled_rules" | "max_pre_approval_scope"> &
  Partial<Pick<Blueprint, "allowed_tools" | "allowed_domains">>;

/** Where a call runs, as the agent's hook reports it: the gate resolves paths against it. */
export interface CallWhere {
  cwd?: string;
  repo_dir?: string;
  home?: string;
  tmpdir?: string;
}

export interface GateInput {
  tool_name: string;
  tool_input: Record<string, unknown>;
  context?: CallWhere;
}

export interface GateResponse {
  outcome: "allow" | "deny" | "require_approval";
  reason: string;
  matching_rule_ids: string[];
  request_id?: string;
  severity?: string;
  timeout_s?: number;
  expires_at?: string;
}

/** Approve grants `scopes` (default this_call; several for "approve for session" on a multi-rule gate). */
export type DecisionInput = { decision: "approve"; scopes?: string[] } | { decision: "deny"; reason?: string };

export interface DecisionResult {
  task_id: string;
  request_id: string;
  status: ApprovalStatus;
  scope?: string;
  decided_at: string;
}

export interface FinishInput {
  status: "COMPLETED" | "FAILED";
  pr_url?: string;
  error?: string;
  cost_usd?: number;
}
