/** Build signed Slack requests (v0 HMAC, as Slack sends them) and run them through the worker, lazy work included. */
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import worker from "../../src/index";
import { newId } from "../../src/shared/ids";

export const SIGNING_SECRET = "test-signing-secret";
const enc = new TextEncoder();

export async function sign(body: string, ts: number, secret = SIGNING_SECRET): Promise<string> {
  const key = await crypto.subtle.importKey("raw", enc.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const mac = await crypto.subtle.sign("HMAC", key, enc.encode(`v0:${ts}:${body}`));
  return `v0=${[...new Uint8Array(mac)].map((b) => b.toString(16).padStart(2, "0")).join("")}`;
}

export interface SendOpts {
  ts?: number;
  secret?: string;
  signature?: string;
  headers?: Record<string, string>;
}

export async function sendSlack(
  path: string,
  body: string,
  contentType: string,
  opts: SendOpts = {},
): Promise<{ status: number; text: string }> {
  const ts = opts.ts ?? Math.floor(Date.now() / 1000);
  const req = new Request(`http://bgagent.test${path}`, {
    method: "POST",
    headers: {
      "content-type": contentType,
      "x-slack-request-timestamp": String(ts),
      "x-slack-signature": opts.signature ?? (await sign(body, ts, opts.secret)),
      ...opts.headers,
    },
    body,
  });
  const ctx = createExecutionContext();
  const res = await worker.fetch(req as Parameters<typeof worker.fetch>[0], env, ctx);
  const text = await res.text();
  await waitOnExecutionContext(ctx);
  return { status: res.status, text };
}

export const sendEvent = (event: Record<string, unknown>, opts: SendOpts & { eventId?: string } = {}) =>
  sendSlack(
    "/slack/events",
    JSON.stringify({
      type: "event_callback",
      team_id: "T1",
      api_app_id: "A1",
      event_id: opts.eventId ?? `Ev${newId()}`,
      event_time: Math.floor(Date.now() / 1000),
      event,
    }),
    "application/json",
    opts,
  );

export const sendInteraction = (payload: Record<string, unknown>, opts: SendOpts = {}) =>
  sendSlack(
    "/slack/interactions",
    new URLSearchParams({ payload: JSON.stringify(payload) }).toString(),
    "application/x-www-form-urlencoded",
    opts,
  );

export const sendCommand = (params: Record<string, string>, opts: SendOpts = {}) =>
  sendSlack(
    "/slack/commands",
    new URLSearchParams({
      command: "/bgagent",
      team_id: "T1",
      channel_id: "C1",
      response_url: "https://fake-slack.test/response/cmd",
      trigger_id: "trig",
      ...params,
    }).toString(),
    "application/x-www-form-urlencoded",
    opts,
  );

export function mention(user: string, text: string, extra: Record<string, unknown> = {}) {
  const ts = `${Math.floor(Date.now() / 1000)}.${String(Math.floor(Math.random() * 1e6)).padStart(6, "0")}`;
  return { type: "app_mention", user, text: `<@UBOT> ${text}`, channel: "C1", ts, event_ts: ts, ...extra };
}

export function click(slackUser: string, actionId: string, responseId = newId()) {
  return {
    type: "block_actions",
    user: { id: slackUser, team_id: "T1" },
    team: { id: "T1" },
    api_app_id: "A1",
    token: "x",
    trigger_id: "trigger-1",
    response_url: `https://fake-slack.test/response/${responseId}`,
    channel: { id: "C1" },
    container: { type: "message" },
    actions: [{ type: "button", action_id: actionId, block_id: "b", action_ts: "1.2", text: { type: "plain_text", text: "x" } }],
  };
}

export async function linkSlackUser(slackUser: string, userId: string) {
  await env.DB.prepare("INSERT INTO slack_links (slack_team_id, slack_user_id, user_id, linked_at) VALUES ('T1', ?, ?, ?)")
    .bind(slackUser, userId, new Date().toISOString())
    .run();
}

export const uniqueSlackUser = () => `U${newId().slice(-10)}`;
