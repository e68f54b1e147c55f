/**
 * A call the policies send to a human: may it open an approval now? One pending approval at a
 * time, the task's cap, and the rate window; if so, the new approval, the task awaiting it and
 * the events that announce it. Pure; the TaskDO commits what it returns.
 */
import type { Decision } from "../policy/evaluate";
import { type PolicySession, RATE_LIMIT, recentGates } from "../policy/session";
import type { ApprovalRecord } from "../shared/approval";
import type { NewEvent } from "../shared/events";
import { inputPreview, newApproval } from "./approvals";
import { approvalWindow, noTimeForApproval } from "./lifetime";
import type { TaskState } from "./state";

export interface GateCall {
  tool_name: string;
  tool_input: Record<string, unknown>;
  tool_input_sha256: string;
}

export type Admission =
  /** Refused: the agent is denied with `reason`; `event` (if any) goes to the audit trail. */
  | { admitted: false; reason: string; event: NewEvent | null }
  | { admitted: true; approval: ApprovalRecord; next: TaskState; session: PolicySession; events: NewEvent[] };

export function admit(cur: TaskState, session: PolicySession, d: Decision, call: GateCall, requestId: string, now: number): Admission {
  if (cur.status === "AWAITING_APPROVAL") {
    return {
      admitted: false,
      reason: `another approval is pending (request ${cur.awaiting_approval_request_id}); retry after it is decided`,
      event: null,
    };
  }
  if (cur.approval_gate_count >= cur.approval_gate_cap) {
    return {
      admitted: false,
      reason: `approval-gate cap exceeded (${cur.approval_gate_cap}/task)`,
      event: {
        type: "approval_cap_exceeded",
        metadata: { tool_name: call.tool_name, count: cur.approval_gate_count, cap: cur.approval_gate_cap },
      },
    };
  }
  const recent = recentGates(session, now);
  if (recent.length >= RATE_LIMIT) {
    return {
      admitted: false,
      reason: `approval-gate rate limit exceeded (${RATE_LIMIT}/min)`,
      event: { type: "approval_rate_limit_exceeded", metadata: { tool_name: call.tool_name, rate: recent.length, limit: RATE_LIMIT } },
    };
  }
  // No window may outlast the task: clipped to its lifetime (minus a margin), or no approval at all.
  const window = approvalWindow(d.timeout_s!, cur, now);
  if (!window) {
    const reason = noTimeForApproval(cur);
    return {
      admitted: false,
      reason,
      event: {
        type: "gate_denied",
        metadata: { tool_name: call.tool_name, reason, matching_rule_ids: d.matching_rule_ids, source: "lifetime" },
      },
    };
  }
  const a = newApproval({
    request_id: requestId,
    task_id: cur.task_id,
    user_id: cur.user_id,
    repo: cur.repo,
    tool_name: call.tool_name,
    tool_input: call.tool_input,
    tool_input_sha256: call.tool_input_sha256,
    decision: { ...d, timeout_s: window.timeout_s },
    lifetime_ends_at: window.lifetime_ends_at,
    now,
  });
  const events: NewEvent[] = [
    {
      type: "approval_requested",
      metadata: {
        request_id: a.request_id,
        tool_name: a.tool_name,
        // The queue carries a short preview; the card reads the whole input from D1.
        input_preview: inputPreview(call.tool_input).slice(0, 200),
        effects: a.effects,
        reason: a.reason,
        severity: a.severity,
        timeout_s: a.timeout_s,
        expires_at: a.expires_at,
        matching_rule_ids: a.matching_rule_ids,
      },
    },
  ];
  if (d.timeout_clipped) {
    events.push({
      type: "approval_timeout_capped",
      metadata: {
        request_id: a.request_id,
        requested_timeout_s: cur.approval_timeout_s,
        effective_timeout_s: a.timeout_s,
        reason: "rule_annotation",
        matching_rule_ids: a.matching_rule_ids,
      },
    });
  }
  return {
    admitted: true,
    approval: a,
    next: {
      ...cur,
      status: "AWAITING_APPROVAL",
      awaiting_approval_request_id: a.request_id,
      approval_gate_count: cur.approval_gate_count + 1,
    },
    session: { ...session, gate_times: [...recent, now] },
    events,
  };
}
