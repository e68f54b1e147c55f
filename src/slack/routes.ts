/**
 * POST /slack/events, /slack/interactions, /slack/commands: one slack-edge app behind all three.
 * In front of it, what slack-edge does not do: a streaming byte cap on the body (413, without
 * reading on), and the request timestamp within 5 minutes of now in either direction (slack-edge
 * refuses only old ones; a far-future timestamp would make a captured request replayable later).
 * Behind it: one log line per request with the envelope type, ids and outcome (never the payload),
 * and a 200 even when our own handling throws, so Slack neither retries nor shows a warning.
 */
import type { Hono } from "hono";
import type { AppEnv } from "../env";
import { errorBody, readBodyBytes } from "../shared/http";
import { log } from "../shared/log";
import { buildSlackApp } from "./app";

export const MAX_SLACK_BODY = 1024 * 1024;
const MAX_SLACK_SKEW_S = 5 * 60;

/** A Slack timestamp header (epoch seconds) within `MAX_SLACK_SKEW_S` of now, either way. */
export function timestampFresh(header: string | undefined, nowMs = Date.now()): boolean {
  if (!header || !/^\d{1,12}$/.test(header)) return false;
  return Math.abs(nowMs / 1000 - Number(header)) <= MAX_SLACK_SKEW_S;
}

/** The answer to a verified request whose handling threw: a command still tells the user. */
const failedAck = (path: string): Response =>
  path === "/slack/commands"
    ? Response.json({ response_type: "ephemeral", text: ":warning: Something went wrong on our side. Try again in a moment." })
    : new Response("", { status: 200 });

export function mountSlack(app: Hono<AppEnv>): void {
  for (const path of ["/slack/events", "/slack/interactions", "/slack/commands"]) {
    app.post(path, async (c) => {
      const request_id = c.get("requestId");
      const refused = (outcome: string, status: number) => log("slack.request", { request_id, path, outcome, status }, "warn");
      const secret = c.env.SLACK_SIGNING_SECRET;
      if (!secret) {
        refused("not_configured", 503);
        return c.json(errorBody("SERVICE_UNAVAILABLE", "Slack is not configured (SLACK_SIGNING_SECRET).", request_id), 503);
      }
      if (!timestampFresh(c.req.header("x-slack-request-timestamp"))) {
        refused("refused_timestamp", 401);
        return c.json(errorBody("UNAUTHORIZED", "Missing or stale request timestamp (more than 5 minutes from now).", request_id), 401);
      }
      const body = await readBodyBytes(c.req.raw, MAX_SLACK_BODY);
      if (!body) {
        refused("refused_too_large", 413);
        return c.json(errorBody("PAYLOAD_TOO_LARGE", `Request body exceeds ${MAX_SLACK_BODY} bytes.`, request_id), 413);
      }
      const req = new Request(c.req.raw.url, { method: "POST", headers: c.req.raw.headers, body });
      const slack = buildSlackApp({ ...c.env, SLACK_SIGNING_SECRET: secret });
      let res: Response;
      try {
        res = await slack.run(req, c.executionCtx);
      } catch (err) {
        // The error's name only: a message may quote the payload (JSON.parse does).
        const name = err instanceof Error ? err.name : typeof err;
        log("slack.request", { request_id, path, ...slack.seen(req), outcome: "error", error: name, status: 200 }, "error");
        return failedAck(path);
      }
      const seen = slack.seen(req);
      if (seen) log("slack.request", { request_id, path, ...seen, status: res.status });
      else if (res.status === 401) refused("refused_signature", 401);
      // Slack's unsigned ssl_check, which slack-edge answers before verifying anything.
      else log("slack.request", { request_id, path, outcome: "ssl_check", status: res.status });
      return res;
    });
  }
}
