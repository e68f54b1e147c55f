/**
 * The gate's evaluation of one call for the TaskDO: the policy pipeline over the task's frozen
 * policies and its session, with the input's hash (the recent-decision cache key). Any failure is
 * a fail-closed deny the agent can read.
 */
import { BUILTIN_POLICIES, workerCedar } from "../policy/cedarWorker";
import { type Decision, evaluate } from "../policy/evaluate";
import { type LoadedPolicySet, loadPolicySet } from "../policy/loader";
import { type Scope, scopeProblem } from "../policy/scopes";
import type { PolicySession } from "../policy/session";
import { workerShell } from "../policy/shell/shellWorker";
import type { ApprovalRecord } from "../shared/approval";
import { sha256Hex } from "../shared/crypto";
import { ok, type Result } from "../shared/errors";
import type { NewEvent } from "../shared/events";
import type { GateInput, GateResponse, TaskPolicy } from "../shared/rpc";
import { type Admission, type GateCall as AdmissionCall, admit } from "./admission";
import { type ApprovalAnswer, agentText, canonicalJson } from "./approvals";
import type { TaskState } from "./state";

/** The task's policies, loaded once per instance: they never change after submit. */
export class PolicyCache {
  private set: LoadedPolicySet | null = null;
  constructor(private readonly snapshot: () => TaskPolicy | null) {}

  get(): LoadedPolicySet {
    if (this.set) return this.set;
    const p = this.snapshot();
    if (!p) throw new Error("task has no policy snapshot");
    this.set = loadPolicySet(workerCedar(), BUILTIN_POLICIES, p);
    return this.set;
  }

  /** Why a scope may not be granted here: beyond the repo's maximum, or a rule: that is not one of the task's soft rules. */
  scopeProblem(scope: Scope): string | null {
    return scopeProblem(scope, this.snapshot()?.max_pre_approval_scope ?? "scoped", this.get());
  }
}

export const gateDeny = (reason: string, ids: string[] = []): Result<GateResponse> =>
  ok({ outcome: "deny", reason: agentText(reason), matching_rule_ids: ids });

const failClosed = (err: unknown): string => `fail-closed: ${err instanceof Error ? err.message : String(err)}`;

/** An answer for the agent now (and maybe an audit event), or a new approval to open. */
export type GatePlan = { answer: Result<GateResponse>; record: NewEvent | null } | { open: Extract<Admission, { admitted: true }> };

/** What follows from the policies' decision `d`. Pure; the session is read only when a human is needed. */
export function planGate(
  cur: TaskState,
  d: Decision,
  session: () => PolicySession,
  call: AdmissionCall,
  newRequestId: () => string,
  now: number,
): GatePlan {
  const ids = d.matching_rule_ids;
  if (d.outcome === "allow") return { answer: ok({ outcome: "allow", reason: agentText(d.reason), matching_rule_ids: ids }), record: null };
  if (d.outcome === "deny") {
    const record: NewEvent = {
      type: "gate_denied",
      metadata: { tool_name: call.tool_name, reason: d.reason, matching_rule_ids: ids, source: d.source },
    };
    return { answer: gateDeny(d.reason, ids), record };
  }
  const adm = admit(cur, session(), d, call, newRequestId(), now);
  return adm.admitted ? { open: adm } : { answer: gateDeny(adm.reason, ids), record: adm.event };
}

/** The answer for a new approval: its decision if one landed while the call waited, else require_approval. */
export function approvalAnswer(a: ApprovalRecord, answer: ApprovalAnswer | null): GateResponse {
  const asked = {
    matching_rule_ids: a.matching_rule_ids,
    request_id: a.request_id,
    severity: a.severity,
    timeout_s: a.timeout_s,
    expires_at: a.expires_at,
  };
  if (answer && answer.outcome !== "pending") return { outcome: answer.outcome, reason: answer.reason, ...asked };
  return { outcome: "require_approval", reason: agentText(`${a.reason}; waiting for a human (request ${a.request_id})`), ...asked };
}

export async function evaluateCall(
  cur: TaskState,
  input: GateInput,
  policies: PolicyCache,
  session: () => PolicySession,
  now: number,
): Promise<{ d: Decision; sha: string } | { denied: string }> {
  try {
    const sha = await sha256Hex(canonicalJson(input.tool_input));
    const engines = { cedar: workerCedar(), shell: await workerShell() };
    const call = { tool_name: input.tool_name, tool_input: input.tool_input, input_sha256: sha };
    const context = {
      repo: cur.repo,
      read_only: cur.read_only,
      task_type: "new_task",
      approval_timeout_s: cur.approval_timeout_s,
      where: input.context,
    };
    return { d: evaluate(engines, policies.get(), session(), call, context, now), sha };
  } catch (err) {
    return { denied: failClosed(err) };
  }
}
