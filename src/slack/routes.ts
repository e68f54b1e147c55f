/**
 * POST /slack/events, /slack/interactions, /slack/commands: one slack-edge app behind all three.
 * In front of it, what slack-edge does not do: a streaming byte cap on the body (413, without
 * reading on), and the request timestamp within 5 minutes of now in either direction (slack-edge
 * refuses only old ones; a far-future timestamp would make a captured request replayable later).
 */
import type { Hono } from "hono";
import type { AppEnv } from "../env";
import { errorBody, readBodyBytes } from "../shared/http";
import { buildSlackApp } from "./app";

export const MAX_SLACK_BODY = 1024 * 1024;
const MAX_SLACK_SKEW_S = 5 * 60;

/** A Slack timestamp header (epoch seconds) within `MAX_SLACK_SKEW_S` of now, either way. */
export function timestampFresh(header: string | undefined, nowMs = Date.now()): boolean {
  if (!header || !/^\d{1,12}$/.test(header)) return false;
  return Math.abs(nowMs / 1000 - Number(header)) <= MAX_SLACK_SKEW_S;
}

export function mountSlack(app: Hono<AppEnv>): void {
  for (const path of ["/slack/events", "/slack/interactions", "/slack/commands"]) {
    app.post(path, async (c) => {
      const secret = c.env.SLACK_SIGNING_SECRET;
      if (!secret)
        return c.json(errorBody("SERVICE_UNAVAILABLE", "Slack is not configured (SLACK_SIGNING_SECRET).", c.get("requestId")), 503);
      if (!timestampFresh(c.req.header("x-slack-request-timestamp"))) {
        return c.json(
          errorBody("UNAUTHORIZED", "Missing or stale request timestamp (more than 5 minutes from now).", c.get("requestId")),
          401,
        );
      }
      const body = await readBodyBytes(c.req.raw, MAX_SLACK_BODY);
      if (!body) return c.json(errorBody("PAYLOAD_TOO_LARGE", `Request body exceeds ${MAX_SLACK_BODY} bytes.`, c.get("requestId")), 413);
      const req = new Request(c.req.raw.url, { method: "POST", headers: c.req.raw.headers, body });
      return buildSlackApp({ ...c.env, SLACK_SIGNING_SECRET: secret }).run(req, c.executionCtx);
    });
  }
}
