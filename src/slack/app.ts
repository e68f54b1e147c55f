/**
 * The slack-edge app: verifies every request (HMAC v0, 5-minute window; 401 otherwise) and routes
 * it. Events and clicks are acknowledged at once; the work runs lazily (waitUntil, short: it only
 * calls D1 and the task's Durable Object). We never use slack-edge's own Web API clients: they
 * ignore SLACK_API_BASE_URL.
 */
import { SlackApp, type SlashCommandAckHandler } from "slack-edge";
import type { Env } from "../env";
import { type ClickPayload, type DenySubmission, handleApprovalClick, handleDenySubmission } from "./handlers/approvalActions";
import { handleCancelClick } from "./handlers/cancelAction";
import { handleCommand } from "./handlers/command";
import { handleMention, type MentionEvent } from "./handlers/mention";
import { handleViewInputClick } from "./handlers/viewInput";

const APPROVAL_ACTIONS = /^(approve_action|approve_session_action|deny_action):/;

export function buildSlackApp(env: Env & { SLACK_SIGNING_SECRET: string }) {
  const app = new SlackApp({
    env: { ...env, SLACK_LOGGING_LEVEL: "ERROR" },
    // No auth.test round trip per request: one workspace, one bot token from config.
    authorize: async () => ({ botToken: env.SLACK_BOT_TOKEN ?? "", botId: "", botUserId: "", botScopes: [] }),
  });

  app.event("app_mention", async ({ payload, body }) => {
    await handleMention(env, { ...(payload as unknown as MentionEvent), event_id: String(body.event_id), team_id: String(body.team_id) });
  });
  app.anyMessage(async ({ payload, body }) => {
    const m = payload as unknown as MentionEvent & { channel_type?: string };
    if (m.channel_type !== "im") return;
    await handleMention(env, { ...m, event_id: String(body.event_id), team_id: String(body.team_id) });
  });
  app.action(
    APPROVAL_ACTIONS,
    async () => {},
    async ({ payload }) => handleApprovalClick(env, payload as unknown as ClickPayload),
  );
  app.action(
    /^view_input:/,
    async () => {},
    async ({ payload }) => handleViewInputClick(env, payload as unknown as ClickPayload),
  );
  app.action(
    /^cancel_task:/,
    async () => {},
    async ({ payload }) => handleCancelClick(env, payload as unknown as ClickPayload),
  );
  app.viewSubmission(
    /^deny_reason:/,
    async () => ({ response_action: "clear" }),
    async ({ payload }) => handleDenySubmission(env, payload as unknown as DenySubmission),
  );
  // Our reply is plain Block Kit JSON; slack-edge's block union is stricter than what we build.
  const command: SlashCommandAckHandler = async ({ payload }) =>
    (await handleCommand(env, payload)) as unknown as Awaited<ReturnType<SlashCommandAckHandler>>;
  app.command("/bgagent", command);
  return app;
}
