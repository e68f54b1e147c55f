/**
 * The slack-edge app: verifies every request (HMAC v0, 5-minute window; 401 otherwise) and routes
 * it. Events and clicks are acknowledged at once; the work runs lazily (waitUntil, short: it only
 * calls D1 and the task's Durable Object). We never use slack-edge's own Web API clients: they
 * ignore SLACK_API_BASE_URL.
 */
import type { SlashCommandAckHandler } from "slack-edge";
import type { Env } from "../env";
import { ROUTES } from "./actionIds";
import { handleApprovalClick, handleDenySubmission } from "./handlers/approvalActions";
import { handleCancelClick } from "./handlers/cancelAction";
import { handleCommand } from "./handlers/command";
import { handleMention } from "./handlers/mention";
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
    await handleMention(env, { ...payload, event_id: String(body.event_id), team_id: String(body.team_id) });
  });
  // Direct messages submit tasks as mentions do; other messages (channels, edits, bots' own) are not ours.
  app.anyMessage(async ({ payload, body }) => {
    if (!("channel_type" in payload) || payload.channel_type !== "im") return;
    await handleMention(env, { ...payload, event_id: String(body.event_id), team_id: String(body.team_id) });
  });
  app.action(
    ROUTES.approval,
    async () => {},
    async ({ payload }) => handleApprovalClick(env, payload),
  );
  app.action(
    ROUTES.viewInput,
    async () => {},
    async ({ payload }) => handleViewInputClick(env, payload),
  );
  app.action(
    ROUTES.cancelTask,
    async () => {},
    async ({ payload }) => handleCancelClick(env, payload),
  );
  app.viewSubmission(
    ROUTES.denyReason,
    async () => ({ response_action: "clear" }),
    async ({ payload }) => handleDenySubmission(env, payload),
  );
  // Our reply is plain Block Kit JSON; slack-edge's block union is stricter than what we build.
  const command: SlashCommandAckHandler = async ({ payload }) =>
    (await handleCommand(env, payload)) as unknown as Awaited<ReturnType<SlashCommandAckHandler>>;
  app.command("/bgagent", command);
  return app;
}
