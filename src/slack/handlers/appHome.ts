/**
 * The App Home tab: published when the person opens it, and again after each click on it with
 * the answer on top (a home view has no channel, so no ephemeral messages). A Slack failure is
 * logged: the next open or change publishes again.
 */
import type { Env } from "../../env";
import { log } from "../../shared/log";
import { linkedUser } from "../../store/slackLinks";
import { publishHome } from "../home";
import { type ClickPayload, type Say, sayEphemeral, teamOf } from "./approvalActions";

export interface HomeOpened {
  user: string;
  tab?: string;
}

async function publishSafely(env: Env, teamId: string, slackUser: string, notice?: string): Promise<void> {
  try {
    await publishHome(env, slackUser, await linkedUser(env.DB, teamId, slackUser), notice);
  } catch (err) {
    log("slack.home_publish_failed", { error: String(err) }, "warn");
  }
}

/** `app_home_opened` for the Home tab (the Messages tab opens it too, with tab "messages"). */
export async function handleHomeOpened(env: Env, e: HomeOpened, teamId: string): Promise<void> {
  if (e.tab !== "home" || !e.user) return;
  await publishSafely(env, teamId, e.user);
}

/** Answer on the clicker's App Home: republish it with the answer on top. */
export const sayOnHome =
  (env: Env, p: Pick<ClickPayload, "user" | "team">): Say =>
  (text) =>
    publishSafely(env, teamOf(p), p.user.id, text);

/** How to answer a click: on the App Home, republish it with the answer; elsewhere, ephemeral. */
export const sayFor = (env: Env, p: ClickPayload): Say => (p.view?.type === "home" ? sayOnHome(env, p) : sayEphemeral(p));
