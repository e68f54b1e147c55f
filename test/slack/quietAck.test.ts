/**
 * Every signed Slack request gets a 2xx unless it is refused, and no payload reaches the log.
 * The shapes are what Slack sends (events API envelopes, block_actions from a link button, ...);
 * each carries a marker in its message text that must appear in no captured log line.
 */
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import type { SlackEdgeAppEnv } from "slack-edge";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { FakeApis } from "../../cli/dev/support/fakeApis";
import { newId } from "../../src/shared/ids";
import { QuietSlackApp } from "../../src/slack/quietApp";
import { installFakeApis } from "../helpers/fakeFetch";
import { SIGNING_SECRET, sendEvent, sendInteraction, sendSlack, sign } from "../helpers/slack";

const SECRET_TEXT = "pssst-the-launch-code-is-0000";

let fake: FakeApis;
let lines: string[];
beforeEach(() => {
  fake = installFakeApis();
  lines = [];
  for (const level of ["log", "info", "warn", "error", "debug"] as const) {
    vi.spyOn(console, level).mockImplementation((...args: unknown[]) => {
      lines.push(args.map((a) => (typeof a === "string" ? a : JSON.stringify(a))).join(" "));
    });
  }
});
afterEach(() => vi.restoreAllMocks());

const requestLines = () => lines.filter((l) => l.includes('"slack.request"')).map((l) => JSON.parse(l));
const ts = () => `${Math.floor(Date.now() / 1000)}.${String(Math.floor(Math.random() * 1e6)).padStart(6, "0")}`;
const dedupRows = async () => (await env.DB.prepare("SELECT COUNT(*) AS n FROM slack_event_dedup").first<{ n: number }>())!.n;
const taskRows = async () => (await env.DB.prepare("SELECT COUNT(*) AS n FROM tasks").first<{ n: number }>())!.n;

function expectQuiet(r: { status: number; text: string }) {
  expect(r.status).toBeGreaterThanOrEqual(200);
  expect(r.status).toBeLessThan(300);
  expect(r.text).toBe("");
  expect(fake.calls).toEqual([]);
  expect(lines.filter((l) => l.includes(SECRET_TEXT))).toEqual([]);
  expect(lines.filter((l) => l.includes("No listener found"))).toEqual([]);
}

// Real shapes (Events API): our own card edits and progress deletes echo back as these in DMs.
const dmEvents: Array<[string, () => Record<string, unknown>]> = [
  [
    "message_changed in a DM",
    () => {
      const t = ts();
      return {
        type: "message",
        subtype: "message_changed",
        hidden: true,
        channel: "D0123ABCD",
        channel_type: "im",
        ts: ts(),
        event_ts: ts(),
        message: { type: "message", bot_id: "B1", user: "UBOT", text: SECRET_TEXT, ts: t, edited: { user: "UBOT", ts: ts() } },
        previous_message: { type: "message", bot_id: "B1", user: "UBOT", text: `old ${SECRET_TEXT}`, ts: t },
      };
    },
  ],
  [
    "message_deleted in a DM",
    () => ({
      type: "message",
      subtype: "message_deleted",
      hidden: true,
      deleted_ts: ts(),
      channel: "D0123ABCD",
      channel_type: "im",
      ts: ts(),
      event_ts: ts(),
      previous_message: { type: "message", bot_id: "B1", user: "UBOT", text: SECRET_TEXT, ts: ts() },
    }),
  ],
  [
    "bot_message in a DM",
    () => ({
      type: "message",
      subtype: "bot_message",
      bot_id: "B0OTHER",
      username: "some-bot",
      text: SECRET_TEXT,
      channel: "D0123ABCD",
      channel_type: "im",
      ts: ts(),
      event_ts: ts(),
    }),
  ],
  [
    "our own bot's post in a DM (bot_id, no subtype)",
    () => ({
      type: "message",
      user: "UBOT",
      bot_id: "B1",
      app_id: "A1",
      text: SECRET_TEXT,
      channel: "D0123ABCD",
      channel_type: "im",
      ts: ts(),
      event_ts: ts(),
    }),
  ],
  ["app_uninstalled", () => ({ type: "app_uninstalled", event_ts: ts() })],
  ["tokens_revoked", () => ({ type: "tokens_revoked", tokens: { oauth: ["U0123"], bot: ["UBOT"] }, event_ts: ts() })],
  [
    // The Home tab has its handler (App Home); the Messages tab is acknowledged and nothing else.
    "app_home_opened on the Messages tab",
    () => ({
      type: "app_home_opened",
      user: "U0123",
      channel: "D0123ABCD",
      tab: "messages",
      event_ts: ts(),
      view: { id: "V1", type: "home", blocks: [{ type: "section", text: { type: "mrkdwn", text: SECRET_TEXT } }] },
    }),
  ],
  ["an event type we never subscribed to", () => ({ type: "member_joined_channel", user: "U0123", channel: "C1", text: SECRET_TEXT })],
];

describe("events nobody handles are acknowledged quietly", () => {
  it.each(dmEvents)("%s: 200, no side effects, no payload in the log", async (_name, make) => {
    const [dedup, tasks] = [await dedupRows(), await taskRows()];
    const eventId = `Ev${newId()}`;
    const ev = make();
    expectQuiet(await sendEvent(ev, { eventId }));
    expect(await dedupRows()).toBe(dedup);
    expect(await taskRows()).toBe(tasks);
    const [line] = requestLines();
    expect(line).toMatchObject({ event: "slack.request", envelope: "event_callback", team: "T1", event_id: eventId, event_type: ev.type });
    expect(["handled", "ignored"]).toContain(line.outcome);
  });

  it("says which ones no handler took (outcome ignored) and keeps only ids", async () => {
    await sendEvent(dmEvents[0][1]());
    const [line] = requestLines();
    expect(line).toMatchObject({ outcome: "ignored", status: 200, channel: "D0123ABCD", subtype: "message_changed" });
    expect(Object.keys(line).sort()).toEqual(
      [
        "channel",
        "envelope",
        "event",
        "event_id",
        "event_type",
        "level",
        "outcome",
        "path",
        "request_id",
        "status",
        "subtype",
        "team",
        "ts",
      ].sort(),
    );
  });
});

const message = {
  type: "message",
  bot_id: "B1",
  user: "UBOT",
  ts: "1700000000.000100",
  text: SECRET_TEXT,
  blocks: [{ type: "section", block_id: "s", text: { type: "mrkdwn", text: SECRET_TEXT } }],
};

function blockActions(action: Record<string, unknown>) {
  return {
    type: "block_actions",
    user: { id: "U0123", username: "ann", team_id: "T1" },
    api_app_id: "A1",
    token: "legacy",
    container: { type: "message", message_ts: message.ts, channel_id: "C1", is_ephemeral: false },
    trigger_id: "1.2.abc",
    team: { id: "T1", domain: "acme" },
    channel: { id: "C1", name: "dev" },
    message,
    state: { values: {} },
    response_url: `https://fake-slack.test/response/${newId()}`,
    actions: [{ block_id: "b1", action_ts: "1700000001.000200", ...action }],
  };
}

describe("interactions nobody handles are acknowledged quietly", () => {
  it.each([
    [
      "the View PR link button",
      {
        type: "button",
        action_id: `view_pr:${newId()}`,
        text: { type: "plain_text", text: "View PR #12", emoji: true },
        style: "primary",
        url: "https://github.com/acme/widgets/pull/12",
      },
    ],
    [
      "an unknown action id",
      { type: "button", action_id: "from_an_old_message", value: SECRET_TEXT, text: { type: "plain_text", text: "Old" } },
    ],
    ["a malformed action (no action id)", { type: "button", value: SECRET_TEXT }],
  ])("%s: 200, nothing posted, no payload in the log", async (_name, action) => {
    expectQuiet(await sendInteraction(blockActions(action)));
    expect(requestLines()[0]).toMatchObject({ envelope: "block_actions", team: "T1", channel: "C1", outcome: "ignored", status: 200 });
  });

  it("logs the action id of an unknown button", async () => {
    await sendInteraction(blockActions({ type: "button", action_id: "from_an_old_message" }));
    expect(requestLines()[0].action_id).toBe("from_an_old_message");
  });

  it.each([
    [
      "view_submission with an unknown callback id",
      { type: "view_submission", view: { id: "V1", callback_id: "old_modal", state: { values: { a: { b: { value: SECRET_TEXT } } } } } },
    ],
    ["view_closed", { type: "view_closed", view: { id: "V1", callback_id: "deny_reason:x:y", private_metadata: SECRET_TEXT } }],
    ["a global shortcut", { type: "shortcut", callback_id: "unknown_shortcut", trigger_id: "t" }],
    ["a message shortcut", { type: "message_action", callback_id: "unknown_shortcut", trigger_id: "t", message }],
    ["an old interactive_message", { type: "interactive_message", callback_id: "x", actions: [{ name: "n", value: SECRET_TEXT }] }],
    ["app_rate_limited", { type: "app_rate_limited", team_id: "T1", minute_rate_limited: 1518467820, api_app_id: "A1" }],
  ])("%s: 200, quiet", async (_name, payload) => {
    const r = await sendInteraction({ user: { id: "U0123", team_id: "T1" }, team: { id: "T1" }, ...payload });
    expectQuiet(r);
    expect(requestLines()[0]).toMatchObject({ outcome: "ignored", status: 200 });
  });

  it("answers an unknown block_suggestion with no options", async () => {
    const r = await sendInteraction({ type: "block_suggestion", action_id: "who", block_id: "b", value: SECRET_TEXT, user: { id: "U1" } });
    expect(r.status).toBe(200);
    expect(JSON.parse(r.text)).toEqual({ options: [] });
    expect(lines.filter((l) => l.includes(SECRET_TEXT))).toEqual([]);
  });

  it("acknowledges another slash command quietly", async () => {
    const body = new URLSearchParams({ command: "/other", text: SECRET_TEXT, team_id: "T1", user_id: "U1", channel_id: "C1" });
    expectQuiet(await sendSlack("/slack/commands", body.toString(), "application/x-www-form-urlencoded"));
    expect(requestLines()[0]).toMatchObject({ envelope: "command", command: "/other", outcome: "ignored" });
  });
});

describe("refused requests", () => {
  const ev = () => dmEvents[0][1]();

  it.each([
    ["a bad signature", { signature: "v0=deadbeef" }, 401, "refused_signature"],
    ["a stale timestamp (a replay)", { ts: Math.floor(Date.now() / 1000) - 6 * 60 }, 401, "refused_timestamp"],
    ["a far-future timestamp", { ts: Math.floor(Date.now() / 1000) + 6 * 60 }, 401, "refused_timestamp"],
  ])("%s: logged without the payload", async (_name, opts, status, outcome) => {
    const r = await sendEvent(ev(), opts);
    expect(r.status).toBe(status);
    expect(lines.filter((l) => l.includes(SECRET_TEXT))).toEqual([]);
    expect(requestLines()).toEqual([expect.objectContaining({ outcome, status, path: "/slack/events" })]);
    expect(requestLines()[0]).not.toHaveProperty("team");
  });

  it("an oversized body: 413, logged without the payload", async () => {
    const big = JSON.stringify({ type: "event_callback", team_id: "T1", event: { type: "message", text: SECRET_TEXT.repeat(40_000) } });
    const r = await sendSlack("/slack/events", big, "application/json");
    expect(r.status).toBe(413);
    expect(lines.filter((l) => l.includes(SECRET_TEXT))).toEqual([]);
    expect(requestLines()).toEqual([expect.objectContaining({ outcome: "refused_too_large", status: 413 })]);
  });

  it("a signed body that is not JSON: 200 (it passed verification), the error's name only in the log", async () => {
    const r = await sendSlack("/slack/events", `{${SECRET_TEXT}`, "application/json");
    expect(r.status).toBe(200);
    expect(lines.filter((l) => l.includes(SECRET_TEXT))).toEqual([]);
    expect(requestLines()).toEqual([expect.objectContaining({ outcome: "error", error: "SyntaxError" })]);
  });
});

it("Slack's unsigned ssl_check gets its 200 and a line of its own", async () => {
  const r = await sendSlack("/slack/commands", "ssl_check=1&token=legacy", "application/x-www-form-urlencoded", { signature: "none" });
  expect(r.status).toBe(200);
  expect(requestLines()).toEqual([expect.objectContaining({ outcome: "ssl_check", status: 200 })]);
});

describe("a real handler registered later takes precedence over the catch-all", () => {
  type TestApp = QuietSlackApp<SlackEdgeAppEnv>;
  async function run(app: TestApp, body: string, contentType: string) {
    const now = Math.floor(Date.now() / 1000);
    const req = new Request("http://bgagent.test/slack/events", {
      method: "POST",
      headers: { "content-type": contentType, "x-slack-request-timestamp": String(now), "x-slack-signature": await sign(body, now) },
      body,
    });
    const ctx = createExecutionContext();
    const res = await app.run(req, ctx);
    await waitOnExecutionContext(ctx);
    return { res, seen: app.seen(req) };
  }
  const newApp = (): TestApp =>
    new QuietSlackApp<SlackEdgeAppEnv>({
      env: { SLACK_SIGNING_SECRET: SIGNING_SECRET, SLACK_BOT_TOKEN: "xoxb-test", SLACK_LOGGING_LEVEL: "ERROR" },
      authorize: async () => ({ botToken: "xoxb-test", botId: "", botUserId: "", botScopes: [] }),
    });
  const homeOpened = JSON.stringify({
    type: "event_callback",
    team_id: "T1",
    event_id: "Ev1",
    event: { type: "app_home_opened", user: "U1", tab: "home" },
  });

  it("app_home_opened goes to its handler when one is registered", async () => {
    const app = newApp();
    const seenBy: string[] = [];
    app.event("app_home_opened", async ({ payload }) => {
      seenBy.push(payload.user);
    });
    const { res, seen } = await run(app, homeOpened, "application/json");
    expect(res.status).toBe(200);
    expect(seenBy).toEqual(["U1"]);
    expect(seen?.outcome).toBe("handled");
  });

  it("and is acknowledged by the catch-all when none is", async () => {
    const { res, seen } = await run(newApp(), homeOpened, "application/json");
    expect(res.status).toBe(200);
    expect(seen?.outcome).toBe("ignored");
  });

  it("a registered action wins over the catch-all action", async () => {
    const app = newApp();
    let clicked = 0;
    app.action(
      "view_home",
      async () => {},
      async () => {
        clicked++;
      },
    );
    const payload = JSON.stringify({
      type: "block_actions",
      user: { id: "U1" },
      actions: [{ type: "button", action_id: "view_home", block_id: "b" }],
    });
    const { res, seen } = await run(app, new URLSearchParams({ payload }).toString(), "application/x-www-form-urlencoded");
    expect(res.status).toBe(200);
    expect(clicked).toBe(1);
    expect(seen?.outcome).toBe("handled");
  });
});
