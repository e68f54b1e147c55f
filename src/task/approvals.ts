/** Pure approval helpers: building records, deciding, and the texts the agent reads. */

import type { Decision } from "../policy/evaluate";
import type { ApprovalAnswer, ApprovalDetail, ApprovalRecord, ApprovalStatus, DeciderRole } from "../shared/approval";

export type { ApprovalAnswer, ApprovalDetail };

import { iso } from "../shared/clock";
import { LIMITS } from "../shared/limits";
import { redact, stripAnsi, truncate, xmlEscape } from "../shared/redact";

/** JSON with sorted keys, so the same input always hashes the same. */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(",")}]`;
  if (v && typeof v === "object") {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .sort()
      .filter((k) => o[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`)
      .join(",")}}`;
  }
  return JSON.stringify(v) ?? "null";
}

export const inputPreview = (toolInput: unknown): string =>
  truncate(redact(stripAnsi(JSON.stringify(toolInput))), LIMITS.inputPreviewChars);

/** The gate's effect phrases as kept and shown: a bounded list of short, ANSI-free lines. */
const keptEffects = (effects: readonly string[]): string[] =>
  effects
    .slice(0, LIMITS.effectsMax)
    .map((e) => truncate(stripAnsi(e).replace(/\s+/g, " ").trim(), LIMITS.effectChars))
    .filter(Boolean);

/** An approval row of the TaskDO; rows written before whole inputs were kept lack the new fields. */
export const storedApproval = (body: string): ApprovalRecord =>
  ({ effects: [], tool_input: null, decided_role: null, ...(JSON.parse(body) as Partial<ApprovalRecord>) }) as ApprovalRecord;

export interface NewApproval {
  request_id: string;
  task_id: string;
  user_id: string;
  repo: string;
  tool_name: string;
  tool_input: Record<string, unknown>;
  tool_input_sha256: string;
  decision: Decision;
  /** When the window was clipped to the task's lifetime: when that lifetime ends. */
  lifetime_ends_at?: string | null;
  now: number;
}

export function newApproval(n: NewApproval): ApprovalRecord {
  const timeout = n.decision.timeout_s!;
  return {
    request_id: n.request_id,
    task_id: n.task_id,
    user_id: n.user_id,
    repo: n.repo,
    tool_name: n.tool_name,
    tool_input_preview: inputPreview(n.tool_input),
    tool_input_sha256: n.tool_input_sha256,
    tool_input: n.tool_input,
    effects: keptEffects(n.decision.effects),
    reason: n.decision.reason,
    severity: n.decision.severity ?? "medium",
    matching_rule_ids: n.decision.matching_rule_ids,
    status: "PENDING",
    timeout_s: timeout,
    created_at: iso(n.now),
    expires_at: iso(n.now + timeout * 1000),
    decided_at: null,
    decided_by: null,
    decided_role: null,
    scope: null,
    deny_reason: null,
    version: 1,
    lifetime_ends_at: n.lifetime_ends_at ?? null,
  };
}

export function closeApproval(
  a: ApprovalRecord,
  status: Exclude<ApprovalStatus, "PENDING">,
  now: number,
  by: string | null,
  extra: { scope?: string; deny_reason?: string; role?: DeciderRole } = {},
): ApprovalRecord {
  return {
    ...a,
    status,
    decided_at: iso(now),
    decided_by: by,
    decided_role: extra.role ?? null,
    scope: extra.scope ?? null,
    deny_reason: extra.deny_reason ?? null,
    version: a.version + 1,
  };
}

/** Human deny reasons: secrets redacted and capped before they are stored anywhere. */
export const sanitiseDenyReason = (reason: string | undefined): string =>
  truncate(redact(stripAnsi(reason ?? "").trim()), LIMITS.denyReasonChars);

/** What the agent is told about an approval, ANSI-free and at most 500 characters. */
function agentReason(a: ApprovalRecord): string {
  const rules = `matching rule${a.matching_rule_ids.length === 1 ? "" : "s"}: ${a.matching_rule_ids.join(", ")}`;
  let text: string;
  switch (a.status) {
    case "PENDING":
      text = `Waiting for human approval (request ${a.request_id}, ${a.reason}); expires at ${a.expires_at}`;
      break;
    case "APPROVED":
      text = `User approved (${a.scope ?? "this_call"})`;
      break;
    case "DENIED":
      text =
        `AUTHORITATIVE DENY from human reviewer: ${a.deny_reason || "no reason given"} (${rules}). ` +
        "Do NOT retry this class of action with trivial variations; the same rule will fast-deny subsequent attempts. " +
        "Find an alternative task strategy or report back to the user explaining why progress is blocked.";
      break;
    case "TIMED_OUT":
      text = `Approval timed out after ${a.timeout_s}s with no decision (fail closed; ${rules})`;
      break;
    case "CANCELLED":
      text = "The task was cancelled before a decision (fail closed)";
      break;
    case "STRANDED":
      text = "The approval was stranded: the task stopped before a decision (fail closed)";
      break;
  }
  return agentText(text);
}

export const agentText = (s: string): string => truncate(stripAnsi(s), LIMITS.agentReasonChars);

export interface QueuedDenial {
  request_id: string;
  decided_at: string;
  reason: string;
}

/** The block injected into the agent's conversation after a human denial. */
export const denialBlock = (d: QueuedDenial): string =>
  `<user_denial request_id="${xmlEscape(d.request_id)}" decided_at="${xmlEscape(d.decided_at)}">\n${xmlEscape(d.reason)}\n</user_denial>`;

export const detailOf = (a: ApprovalRecord): ApprovalDetail => ({
  tool_name: a.tool_name,
  tool_input: a.tool_input,
  tool_input_preview: a.tool_input_preview,
  tool_input_sha256: a.tool_input_sha256,
  effects: a.effects,
  gate_reason: a.reason,
  severity: a.severity,
  matching_rule_ids: a.matching_rule_ids,
  created_at: a.created_at,
  decided_by: a.decided_by,
  decided_role: a.decided_role ?? null,
  deny_reason: a.deny_reason,
});

export const answerOf = (a: ApprovalRecord): ApprovalAnswer => ({
  request_id: a.request_id,
  status: a.status,
  outcome: a.status === "PENDING" ? "pending" : a.status === "APPROVED" ? "allow" : "deny",
  reason: agentReason(a),
  scope: a.scope,
  decided_at: a.decided_at,
  expires_at: a.expires_at,
});
