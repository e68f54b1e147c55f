/** The Cancel Task button on the "started" message: the task owner only. */

import type { Env } from "../../env";
import { linkedUser } from "../../store/slackLinks";
import { taskStub } from "../../task/service";
import { parseCancelAction } from "../actionIds";
import { ephemeral } from "../reply";
import { TEXT } from "../texts";
import { type ClickPayload, teamOf } from "./approvalActions";

export async function handleCancelClick(env: Env, p: ClickPayload): Promise<void> {
  const taskId = parseCancelAction(p.actions[0]?.action_id ?? "");
  if (!taskId) return ephemeral(p.response_url, TEXT.malformed);
  const userId = await linkedUser(env.DB, teamOf(p), p.user.id);
  if (!userId) return ephemeral(p.response_url, TEXT.notLinked);
  const r = await taskStub(env, taskId).cancel({ kind: "user", user_id: userId });
  if (r.ok) return ephemeral(p.response_url, TEXT.cancelled);
  return ephemeral(p.response_url, r.status === 404 ? TEXT.notYourTask : TEXT.alreadyEnded);
}
