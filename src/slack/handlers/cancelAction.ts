/** The Cancel Task button on the "started" message: the task owner only. */

import type { Env } from "../../env";
import { linkedUser } from "../../store/slackLinks";
import { taskStub } from "../../task/service";
import { parseCancelAction } from "../actionIds";
import { TEXT } from "../texts";
import { type ClickPayload, type Say, sayEphemeral, teamOf } from "./approvalActions";

export async function handleCancelClick(env: Env, p: ClickPayload, say: Say = sayEphemeral(p)): Promise<void> {
  const taskId = parseCancelAction(p.actions[0]?.action_id ?? "");
  if (!taskId) return say(TEXT.malformed);
  const userId = await linkedUser(env.DB, teamOf(p), p.user.id);
  if (!userId) return say(TEXT.notLinked);
  const r = await taskStub(env, taskId).cancel({ kind: "user", user_id: userId });
  if (r.ok) return say(TEXT.cancelled);
  return say(r.status === 404 ? TEXT.notYourTask : TEXT.alreadyEnded);
}
