/**
 * View full input: opens a modal with the whole tool input of an approval. The button carries
 * only ids; the input is read from the task's Durable Object, which answers the task owner or a
 * repo approver only (the same rule as deciding), so a forged or cross-task click shows nothing.
 */

import type { Env } from "../../env";
import type { ApprovalRecord } from "../../shared/approval";
import type { Result } from "../../shared/errors";
import { log } from "../../shared/log";
import { linkedUser } from "../../store/slackLinks";
import { taskStub } from "../../task/service";
import { parseViewInputAction } from "../actionIds";
import { inputModal } from "../blocks/inputModal";
import { botApi, ephemeral } from "../reply";
import { TEXT } from "../texts";
import { type ClickPayload, teamOf } from "./approvalActions";

export async function handleViewInputClick(env: Env, p: ClickPayload): Promise<void> {
  const action = parseViewInputAction(p.actions[0]?.action_id ?? "");
  if (!action) return ephemeral(p.response_url, TEXT.malformed);
  const userId = await linkedUser(env.DB, teamOf(p), p.user.id);
  if (!userId) return ephemeral(p.response_url, TEXT.notLinked);
  // RPC types cannot express the input's `unknown` values; the object arrives as the DO stored it.
  const r = (await taskStub(env, action.task_id).approvalRecord(
    { kind: "user", user_id: userId },
    action.request_id,
  )) as Result<ApprovalRecord>;
  if (!r.ok) {
    log("slack.view_input_refused", { task_id: action.task_id, request_id: action.request_id, code: r.code }, "warn");
    return ephemeral(p.response_url, TEXT.notFound);
  }
  await botApi(env).call("views.open", { trigger_id: p.trigger_id, view: inputModal(r.data) });
}
