/**
 * How an approval closes: a human decides (approve with scopes, or deny with a reason), its
 * deadline passes, or its task leaves AWAITING_APPROVAL another way. Pure: each returns the next
 * task state, the closed record, the policy session and the events; the TaskDO commits them.
 */

import { formatScope, parseScope, type Scope } from "../policy/scopes";
import type { PolicySession } from "../policy/session";
import { cachePut, inputKey, ruleKey } from "../policy/session";
import type { ApprovalRecord, DeciderRole } from "../shared/approval";
import { type Failure, fail } from "../shared/errors";
import type { ApprovalClosedEvent, NewEvent } from "../shared/events";
import type { DecisionInput, DecisionResult } from "../shared/rpc";
import { closeApproval, type QueuedDenial, sanitiseDenyReason } from "./approvals";
import type { TaskState } from "./state";

export interface Closing {
  next: TaskState;
  closed: ApprovalRecord;
  session: PolicySession;
  events: NewEvent[];
  /** A human denial to hand to the agent with its next heartbeat. */
  denial: QueuedDenial | null;
}

/**
 * A human's decision on the pending approval `a`. `scopeProblem` says why a scope is not allowed
 * in this task (beyond the repo's maximum, or a rule: that is not one of its soft rules).
 */
export function decide(
  cur: TaskState,
  a: ApprovalRecord,
  session: PolicySession,
  input: DecisionInput,
  by: { user_id: string; role: DeciderRole },
  now: number,
  scopeProblem: (scope: Scope) => string | null,
): Closing | Failure {
  if (a.status !== "PENDING") {
    return fail("REQUEST_ALREADY_DECIDED", 409, `Request ${a.request_id} is already ${a.status}.`, { approval_status: a.status });
  }
  if (cur.status !== "AWAITING_APPROVAL" || cur.awaiting_approval_request_id !== a.request_id) {
    return fail("TASK_NOT_AWAITING_APPROVAL", 409, `Task is ${cur.status}, not awaiting this approval.`);
  }
  let closed: ApprovalRecord;
  let nextSession: PolicySession;
  let outcome: NewEvent;
  if (input.decision === "approve") {
    const granted: string[] = [];
    for (const raw of input.scopes?.length ? input.scopes : ["this_call"]) {
      const parsed = parseScope(raw);
      if (!parsed.ok) return fail("VALIDATION_ERROR", 400, `Invalid scope: ${parsed.error}`);
      const problem = scopeProblem(parsed.scope);
      if (problem) return fail("VALIDATION_ERROR", 400, `Invalid scope: ${problem}`);
      granted.push(formatScope(parsed.scope));
    }
    const scope = granted.join(" ");
    closed = closeApproval(a, "APPROVED", now, by.user_id, { scope, role: by.role });
    const added = granted.filter((g) => g !== "this_call" && !session.allowlist.includes(g));
    nextSession = added.length ? { ...session, allowlist: [...session.allowlist, ...added] } : session;
    outcome = {
      type: "approval_granted",
      metadata: { request_id: a.request_id, scope, decided_at: closed.decided_at, decided_by: by.user_id, decided_role: by.role },
    };
  } else {
    const reason = sanitiseDenyReason(input.reason);
    closed = closeApproval(a, "DENIED", now, by.user_id, { deny_reason: reason, role: by.role });
    // The same call, and calls of the same rule, are denied again at once for a while.
    const cached = { decision: "DENIED" as const, reason: reason || "denied", at: now };
    let ruleCache = session.rule_cache;
    for (const id of a.matching_rule_ids) ruleCache = cachePut(ruleCache, { key: ruleKey(a.tool_name, id), ...cached });
    nextSession = {
      ...session,
      input_cache: cachePut(session.input_cache, { key: inputKey(a.tool_name, a.tool_input_sha256), ...cached }),
      rule_cache: ruleCache,
    };
    outcome = {
      type: "approval_denied",
      metadata: { request_id: a.request_id, reason, decided_at: closed.decided_at, decided_by: by.user_id, decided_role: by.role },
    };
  }
  const recorded: NewEvent = {
    type: "approval_decision_recorded",
    metadata: {
      request_id: a.request_id,
      status: closed.status,
      scope: closed.scope ?? undefined,
      reason_length: closed.deny_reason?.length,
      decided_at: closed.decided_at,
      caller_user_id: by.user_id,
      caller_role: by.role,
      latency_ms: now - Date.parse(a.created_at),
    },
  };
  return {
    next: { ...cur, status: "RUNNING", awaiting_approval_request_id: null },
    closed,
    session: nextSession,
    events: [recorded, outcome],
    denial:
      closed.status === "DENIED"
        ? { request_id: closed.request_id, decided_at: closed.decided_at!, reason: closed.deny_reason || "denied" }
        : null,
  };
}

/** What the decider is told. */
export const decisionResult = (closed: ApprovalRecord): DecisionResult => ({
  task_id: closed.task_id,
  request_id: closed.request_id,
  status: closed.status,
  scope: closed.scope ?? undefined,
  decided_at: closed.decided_at!,
});

/** The deadline passed with no decision: TIMED_OUT (a deny, fail closed); the same call is denied again for a while. */
export function timeOut(cur: TaskState, a: ApprovalRecord, session: PolicySession, now: number): Closing {
  const closed = closeApproval(a, "TIMED_OUT", now, null);
  const awaiting = cur.status === "AWAITING_APPROVAL" && cur.awaiting_approval_request_id === a.request_id;
  return {
    next: awaiting ? { ...cur, status: "RUNNING", awaiting_approval_request_id: null } : cur,
    closed,
    session: {
      ...session,
      input_cache: cachePut(session.input_cache, {
        key: inputKey(a.tool_name, a.tool_input_sha256),
        decision: "TIMED_OUT",
        reason: "approval timed out",
        at: now,
      }),
    },
    events: [
      {
        type: "approval_timed_out",
        metadata: { request_id: a.request_id, timeout_s: a.timeout_s, matching_rule_ids: a.matching_rule_ids },
      },
    ],
    denial: null,
  };
}

/** The pending approval `a` (if still pending) of a task that is leaving AWAITING_APPROVAL some other way. */
export function closePending(
  a: ApprovalRecord | null,
  status: "CANCELLED" | "STRANDED",
  by: string,
  now: number,
): { approvals: ApprovalRecord[]; events: ApprovalClosedEvent[] } {
  if (a?.status !== "PENDING") return { approvals: [], events: [] };
  const closed = closeApproval(a, status, now, by);
  return {
    approvals: [closed],
    events: [{ type: status === "CANCELLED" ? "approval_cancelled" : "approval_stranded", metadata: { request_id: a.request_id } }],
  };
}
