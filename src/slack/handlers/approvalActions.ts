/**
 * Approve / Approve for session / Deny buttons, and the deny-reason modal. Buttons are UX, not
 * authorisation: the clicker is mapped to a linked platform user, severity is re-checked here,
 * and the decision goes through the same path as the REST API (ownership, rate limit, races).
 */

import type { Env } from "../../env";
import type { ApprovalSummary } from "../../shared/approval";
import type { Result } from "../../shared/errors";
import { log } from "../../shared/log";
import type { DecisionResult } from "../../shared/rpc";
import { approvalById } from "../../store/approvals";
import { linkedUser } from "../../store/slackLinks";
import { decideApproval, taskStub } from "../../task/service";
import { denyReasonCallbackId, parseApprovalAction } from "../actionIds";
import { approvableSeverities, TOOL_NAME_CHARS } from "../blocks/approvalCard";
import { DENY_REASON_BLOCK, DENY_REASON_INPUT, denyModal } from "../blocks/denyModal";
import { escCapped } from "../blocks/inputText";
import { botApi, ephemeral } from "../reply";
import { TEXT } from "../texts";

export interface ClickPayload {
  user: { id: string; team_id?: string };
  team?: { id: string } | null;
  actions: Array<{ action_id: string }>;
  response_url?: string;
  trigger_id?: string;
  channel?: { id: string };
  /** Set on clicks in a view (the App Home, a modal); those have no channel and no response_url. */
  view?: { type: string };
}

/** How a click is answered: ephemeral in the channel by default; the App Home republishes instead. */
export type Say = (text: string) => Promise<void>;
export const sayEphemeral =
  (p: Pick<ClickPayload, "response_url">): Say =>
  (text) =>
    ephemeral(p.response_url, text);

export const teamOf = (p: { user: { team_id?: string }; team?: { id: string } | null }) => p.user.team_id ?? p.team?.id ?? "";

/**
 * What every button and the deny modal check before deciding: a well-formed action, a linked
 * clicker, the approval of that very task, and a severity Slack may decide. Returns the text to
 * answer with when the click is refused.
 */
async function clickedApproval(
  env: Env,
  p: { user: { id: string; team_id?: string }; team?: { id: string } | null },
  actionId: string,
): Promise<{ verb: string; userId: string; a: ApprovalSummary } | { refused: string }> {
  const action = parseApprovalAction(actionId);
  if (!action) return { refused: TEXT.malformed };
  const userId = await linkedUser(env.DB, teamOf(p), p.user.id);
  if (!userId) return { refused: TEXT.notLinked };
  const a = await approvalById(env.DB, action.request_id);
  if (!a || a.task_id !== action.task_id) return { refused: TEXT.notFound };
  if (!approvableSeverities(env).includes(a.severity)) {
    log("slack.high_severity_click_refused", { task_id: a.task_id, request_id: a.request_id, severity: a.severity }, "warn");
    return { refused: TEXT.highSeverity(a.severity, a.task_id, a.request_id) };
  }
  return { verb: action.verb, userId, a };
}

export function decisionText(r: Result<DecisionResult>): string {
  if (r.ok) return r.data.status === "APPROVED" ? TEXT.approved(r.data.scope ?? "this_call") : TEXT.denied;
  switch (r.code) {
    case "REQUEST_NOT_FOUND":
      return TEXT.notFound;
    case "REQUEST_ALREADY_DECIDED":
      return r.detail?.approval_status === "TIMED_OUT" ? TEXT.timedOut : TEXT.alreadyDecided(r.detail?.approval_status ?? "decided");
    case "TASK_NOT_AWAITING_APPROVAL":
      return TEXT.notAwaiting;
    case "RATE_LIMIT_EXCEEDED":
      return TEXT.rateLimited;
    case "VALIDATION_ERROR":
      return `:warning: ${r.message}`;
    default:
      return TEXT.decisionFailed;
  }
}

export async function handleApprovalClick(env: Env, p: ClickPayload, say: Say = sayEphemeral(p)): Promise<void> {
  const actionId = p.actions[0]?.action_id ?? "";
  if (parseApprovalAction(actionId)?.verb === "deny_reason") return say(TEXT.malformed);
  const c = await clickedApproval(env, p, actionId);
  if ("refused" in c) return say(c.refused);
  const { a, userId } = c;
  if (c.verb === "deny_action") {
    // Only someone who may decide gets the modal (the submission is checked again when it decides):
    // a card in an approval channel is seen by people who may not.
    if (!(await taskStub(env, a.task_id).approvalRecord({ kind: "user", user_id: userId }, a.request_id)).ok) return say(TEXT.notFound);
    // A deny from the App Home is answered there too (a home view has no response_url).
    const meta = JSON.stringify({ response_url: p.response_url ?? null, ...(p.view?.type === "home" ? { home: true } : {}) });
    const summary = `Deny \`${escCapped(a.tool_name, TOOL_NAME_CHARS)}\` for \`${a.repo}\`?\n_${escCapped(a.reason, 600)}_`;
    await botApi(env).call("views.open", {
      trigger_id: p.trigger_id,
      view: denyModal(denyReasonCallbackId(a.task_id, a.request_id), meta, summary),
    });
    return;
  }
  const scopes = c.verb === "approve_session_action" ? a.matching_rule_ids.map((r) => `rule:${r}`) : ["this_call"];
  const r = await decideApproval(env, userId, a.task_id, a.request_id, { decision: "approve", scopes });
  await say(decisionText(r));
}

export interface DenySubmission {
  user: { id: string; team_id?: string };
  team?: { id: string } | null;
  view: { callback_id: string; private_metadata?: string; state?: { values?: Record<string, Record<string, { value?: string | null }>> } };
}

/** `onHome`: how to answer when the modal was opened from the App Home. */
export async function handleDenySubmission(env: Env, p: DenySubmission, onHome?: Say): Promise<void> {
  let meta: { response_url?: string | null; home?: boolean } = {};
  try {
    meta = JSON.parse(p.view.private_metadata ?? "{}") ?? {};
  } catch {
    meta = {};
  }
  const say: Say = meta.home === true && onHome ? onHome : (text) => ephemeral(meta.response_url ?? undefined, text);
  if (parseApprovalAction(p.view.callback_id)?.verb !== "deny_reason") return say(TEXT.malformed);
  const c = await clickedApproval(env, p, p.view.callback_id);
  if ("refused" in c) return say(c.refused);
  const { a, userId } = c;
  const reason = p.view.state?.values?.[DENY_REASON_BLOCK]?.[DENY_REASON_INPUT]?.value ?? "";
  const r = await decideApproval(env, userId, a.task_id, a.request_id, { decision: "deny", reason });
  await say(decisionText(r));
}
