/** Plain task, approval and decision values for the TaskDO's pure modules. */
import type { Decision } from "../../../src/policy/evaluate";
import type { ApprovalRecord } from "../../../src/shared/approval";
import type { TaskState } from "../../../src/task/state";

export const T0 = Date.parse("2026-11-30T12:00:00.000Z");

export const taskState = (over: Partial<TaskState> = {}): TaskState => ({
  task_id: "01JTASKAAAAAAAAAAAAAAAAAAA",
  user_id: "owner",
  repo: "acme/widgets",
  issue_number: null,
  description: "fix it",
  status: "RUNNING",
  read_only: false,
  approval_timeout_s: 300,
  approval_gate_cap: 50,
  approval_gate_count: 0,
  awaiting_approval_request_id: null,
  initial_approvals: [],
  channel_source: "api",
  channel_metadata: {},
  runner_id: "runner1",
  task_token_hash: "a".repeat(64),
  pr_url: null,
  error_message: null,
  cost_usd: null,
  cancel_requested: false,
  created_at: new Date(T0 - 600_000).toISOString(),
  updated_at: new Date(T0 - 60_000).toISOString(),
  started_at: new Date(T0 - 500_000).toISOString(),
  completed_at: null,
  last_heartbeat_at: new Date(T0 - 30_000).toISOString(),
  version: 3,
  ...over,
});

export const pending = (over: Partial<ApprovalRecord> = {}): ApprovalRecord => ({
  request_id: "01JREQAAAAAAAAAAAAAAAAAAAA",
  task_id: "01JTASKAAAAAAAAAAAAAAAAAAA",
  user_id: "owner",
  repo: "acme/widgets",
  tool_name: "Bash",
  tool_input_preview: '{"command":"git push -f origin x"}',
  tool_input_sha256: "b".repeat(64),
  tool_input: { command: "git push -f origin x" },
  effects: ["runs git push -f origin x"],
  reason: "Soft-deny: force_push_any",
  severity: "medium",
  matching_rule_ids: ["force_push_any"],
  status: "PENDING",
  timeout_s: 300,
  created_at: new Date(T0 - 10_000).toISOString(),
  expires_at: new Date(T0 + 290_000).toISOString(),
  decided_at: null,
  decided_by: null,
  decided_role: null,
  scope: null,
  deny_reason: null,
  version: 1,
  ...over,
});

export const softDecision = (over: Partial<Decision> = {}): Decision => ({
  outcome: "require_approval",
  reason: "Soft-deny: force_push_any",
  matching_rule_ids: ["force_push_any"],
  severity: "high",
  timeout_s: 120,
  timeout_clipped: false,
  source: "soft",
  effects: ["runs git push -f origin x"],
  ...over,
});
