/** POST /slack/events, /slack/interactions, /slack/commands: one slack-edge app behind all three. */
import type { Hono } from "hono";
import type { AppEnv } from "../api/context";
import { errorBody } from "../api/envelope";
import { buildSlackApp } from "./app";

const MAX_SLACK_BODY = 1024 * 1024;

export function mountSlack(app: Hono<AppEnv>): void {
  for (const path of ["/slack/events", "/slack/interactions", "/slack/commands"]) {
    app.post(path, async (c) => {
      const secret = c.env.SLACK_SIGNING_SECRET;
      if (!secret) return c.json(errorBody("SERVICE_UNAVAILABLE", "Slack is not configured (SLACK_SIGNING_SECRET).", c.get("requestId")), 503);
      if (Number(c.req.header("content-length") ?? 0) > MAX_SLACK_BODY) {
        return c.json(errorBody("VALIDATION_ERROR", "Request body too large.", c.get("requestId")), 400);
      }
      return buildSlackApp({ ...c.env, SLACK_SIGNING_SECRET: secret }).run(c.req.raw, c.executionCtx);
    });
  }
}
