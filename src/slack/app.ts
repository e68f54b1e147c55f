/**
 * The slack-edge app: verifies every request (HMAC v0, 5-minute window; 401 otherwise) and routes
 * it. Events and clicks are acknowledged at once; the work runs lazily (waitUntil, short: it only
 * calls D1 and the task's Durable Object). We never use slack-edge's own Web API clients: they
 * ignore SLACK_API_BASE_URL.
 */
import type { SlashCommandAckHandler } from "slack-edge";
import type { Env } from "../env";
import { ROUTES, SEND_TO_BGAGENT_CALLBACK_ID, SUBMIT_CALLBACK_ID, SUBMIT_REPO_ACTION_ID } from "./actionIds";
import { handleHomeOpened, sayFor, sayOnHome } from "./handlers/appHome";
import { handleApprovalClick, handleDenySubmission } from "./handlers/approvalActions";
import { handleCancelClick } from "./handlers/cancelAction";
import { handleCommand } from "./handlers/command";
import { handleMention } from "./handlers/mention";
import { handleSendToBgagent, handleSubmission, openSubmitFromCommand, repoSuggestions, submissionAck } from "./handlers/submit";
import { handleViewInputClick } from "./handlers/viewInput";
import { QuietSlackApp } from "./quietApp";

export function buildSlackApp(env: Env & { SLACK_SIGNING_SECRET: string }) {
  // Whatever no handler below takes is acknowledged quietly (quietApp.ts), never a 404 or a payload log.
  const app = new QuietSlackApp({
    env: { ...env, SLACK_LOGGING_LEVEL: "ERROR" },
    // No auth.test round trip per request: one workspace, one bot token from config.
    authorize: async () => ({ botToken: env.SLACK_BOT_TOKEN ?? "", botId: "", botUserId: "", botScopes: [] }),
  });

  app.event("app_mention", async ({ payload, body }) => {
    await handleMention(env, { ...payload, event_id: String(body.event_id), team_id: String(body.team_id), bot_user_id: botUserOf(body) });
  });
  app.event("app_home_opened", async ({ payload, body }) => handleHomeOpened(env, payload, String(body.team_id)));
  // Direct messages submit tasks as mentions do; other messages (channels, edits, bots' own) are not ours.
  app.anyMessage(async ({ payload, body }) => {
    if (!("channel_type" in payload) || payload.channel_type !== "im") return;
    await handleMention(env, { ...payload, event_id: String(body.event_id), team_id: String(body.team_id), bot_user_id: botUserOf(body) });
  });
  app.action(
    ROUTES.approval,
    async () => {},
    async ({ payload }) => handleApprovalClick(env, payload, sayFor(env, payload)),
  );
  app.action(
    ROUTES.viewInput,
    async () => {},
    async ({ payload }) => handleViewInputClick(env, payload),
  );
  app.action(
    ROUTES.cancelTask,
    async () => {},
    async ({ payload }) => handleCancelClick(env, payload, sayFor(env, payload)),
  );
  app.viewSubmission(
    ROUTES.denyReason,
    async () => ({ response_action: "clear" }),
    async ({ payload }) => handleDenySubmission(env, payload, sayOnHome(env, payload)),
  );
  app.viewSubmission(
    SUBMIT_CALLBACK_ID,
    async ({ payload }) => submissionAck(env, payload),
    async ({ payload }) => handleSubmission(env, payload),
  );
  app.messageShortcut(
    SEND_TO_BGAGENT_CALLBACK_ID,
    async () => {},
    async ({ payload }) => handleSendToBgagent(env, payload),
  );
  // Our replies are plain Block Kit JSON; slack-edge's block and option unions are stricter than what we build.
  app.options(SUBMIT_REPO_ACTION_ID, async ({ payload }) => (await repoSuggestions(env, payload.value)) as never);
  const command: SlashCommandAckHandler = async ({ payload }) =>
    ((await handleCommand(env, payload)) ?? "") as unknown as Awaited<ReturnType<SlashCommandAckHandler>>;
  app.command("/bgagent", command, async ({ payload }) => openSubmitFromCommand(env, payload));
  return app;
}

/** The bot's own user id, from an Events API envelope's `authorizations`. */
const botUserOf = (body: Record<string, unknown>): string | undefined => {
  const auth = (body.authorizations as Array<{ user_id?: unknown }> | undefined)?.[0];
  return typeof auth?.user_id === "string" ? auth.user_id : undefined;
};
