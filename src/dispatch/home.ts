/**
 * The task owner's Slack App Home, republished when one of their tasks or approvals changes (one
 * message per state change, see homeEventOf). Whatever the event, the view is built from D1 as it
 * is now, so a retried or late message publishes the current state, never an old one. A Slack
 * failure only delays the home: permanent codes are dropped, the rest retried; the task never
 * waits for it.
 */
import type { Env } from "../env";
import { type Outcome, skipped } from "../shared/outcome";
import type { DispatchMessage } from "../shared/types";
import { publishHome } from "../slack/home";
import { slackUserOf } from "../store/slackLinks";

export async function homeDispatcher(msg: DispatchMessage, env: Env): Promise<Outcome> {
  if (!env.SLACK_BOT_TOKEN) return skipped("SLACK_BOT_TOKEN is not set");
  const owner = msg.task.user_id;
  const slackUser = await slackUserOf(env.DB, owner, msg.task.channel_metadata.slack_team_id);
  if (!slackUser) return skipped("the owner has no Slack link");
  await publishHome(env, slackUser, owner);
  return { result: "sent", detail: "home published" };
}
