import { createExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { verifySlackRequest } from "slack-edge";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { FakeApis } from "../../cli/dev/support/fakeApis";
import worker from "../../src/index";
import { MAX_SLACK_BODY, timestampFresh } from "../../src/slack/routes";
import { createUser, onboardRepo } from "../helpers/api";
import { installFakeApis } from "../helpers/fakeFetch";
import { linkSlackUser, mention, sendEvent, sendSlack, sign, uniqueSlackUser } from "../helpers/slack";

let fake: FakeApis;
beforeEach(() => {
  fake = installFakeApis();
});
afterEach(() => vi.restoreAllMocks());

const tasksOf = (userId: string) =>
  env.DB.prepare("SELECT id, repo, issue_number, description, channel_source, channel_metadata FROM tasks WHERE user_id = ?")
    .bind(userId)
    .all<any>();

async function linkedUserWithRepo() {
  const user = await createUser();
  const slackUser = uniqueSlackUser();
  await linkSlackUser(slackUser, user.user_id);
  const repo = await onboardRepo();
  return { user, slackUser, repo };
}

describe("Slack request verification", () => {
  it("rejects a bad signature with 401 and processes nothing", async () => {
    const { user, slackUser, repo } = await linkedUserWithRepo();
    const r = await sendEvent(mention(slackUser, `${repo} fix it`), { signature: "v0=deadbeef" });
    expect(r.status).toBe(401);
    expect((await tasksOf(user.user_id)).results).toHaveLength(0);
  });

  it("rejects a signature made with another secret", async () => {
    const { slackUser, repo } = await linkedUserWithRepo();
    expect((await sendEvent(mention(slackUser, `${repo} x`), { secret: "not-the-secret" })).status).toBe(401);
  });

  it("rejects a stale timestamp (replay) even with a valid signature", async () => {
    const { user, slackUser, repo } = await linkedUserWithRepo();
    const r = await sendEvent(mention(slackUser, `${repo} fix it`), { ts: Math.floor(Date.now() / 1000) - 6 * 60 });
    expect(r.status).toBe(401);
    expect((await tasksOf(user.user_id)).results).toHaveLength(0);
  });

  it("answers url_verification with the challenge", async () => {
    const body = JSON.stringify({ type: "url_verification", challenge: "abc123", token: "t" });
    const r = await sendSlack("/slack/events", body, "application/json");
    expect(r.status).toBe(200);
    expect(r.text).toContain("abc123");
  });

  it("refuses a future timestamp (+6 min) even with a valid signature", async () => {
    const { user, slackUser, repo } = await linkedUserWithRepo();
    const r = await sendEvent(mention(slackUser, `${repo} fix it`), { ts: Math.floor(Date.now() / 1000) + 6 * 60 });
    expect(r.status).toBe(401);
    expect(JSON.parse(r.text).error.code).toBe("UNAUTHORIZED");
    expect((await tasksOf(user.user_id)).results).toHaveLength(0);
  });

  it.each([
    ["4 min ago", -240, true],
    ["4 min ahead", 240, true],
    ["6 min ago", -360, false],
    ["6 min ahead", 360, false],
  ])("timestamps %s: fresh=%s", (_name, offsetS, fresh) => {
    const now = 1_800_000_000_000;
    expect(timestampFresh(String(now / 1000 + offsetS), now)).toBe(fresh);
  });

  it.each([[undefined], [""], ["abc"], ["1e9"], ["-5"], ["1800000000.5"]])("refuses a malformed timestamp header %j", (h) => {
    expect(timestampFresh(h, 1_800_000_000_000)).toBe(false);
  });

  it("refuses a body whose Content-Length is over the cap with 413, without reading it", async () => {
    const r = await sendSlack("/slack/events", "x", "application/json", { headers: { "content-length": String(2 * 1024 * 1024) } });
    expect(r.status).toBe(413);
    expect(JSON.parse(r.text).error.code).toBe("PAYLOAD_TOO_LARGE");
  });

  it("stops reading a 150 MB chunked body at the cap and answers 413 quickly", async () => {
    const total = 150 * 1024 * 1024;
    let produced = 0;
    // Generated on demand, so what was produced is what the worker read (plus the stream's small read-ahead).
    const body = new ReadableStream<Uint8Array>({
      pull(ctrl) {
        if (produced >= total) return ctrl.close();
        const chunk = new Uint8Array(64 * 1024).fill(0x7b);
        produced += chunk.byteLength;
        ctrl.enqueue(chunk);
      },
    });
    const ts = Math.floor(Date.now() / 1000);
    const req = new Request("http://bgagent.test/slack/events", {
      method: "POST",
      headers: { "content-type": "application/json", "x-slack-request-timestamp": String(ts), "x-slack-signature": await sign("", ts) },
      body,
      duplex: "half",
    } as RequestInit);
    expect(req.headers.get("content-length")).toBeNull();
    const started = Date.now();
    const res = await worker.fetch(req as Parameters<typeof worker.fetch>[0], env, createExecutionContext());
    expect(res.status).toBe(413);
    expect((await res.json<any>()).error.code).toBe("PAYLOAD_TOO_LARGE");
    expect(Date.now() - started).toBeLessThan(2000);
    expect(produced).toBeGreaterThan(MAX_SLACK_BODY);
    expect(produced).toBeLessThan(MAX_SLACK_BODY + 512 * 1024);
  });

  it("accepts a chunked body under the cap (signature checked on exactly what was read)", async () => {
    const payload = JSON.stringify({ type: "url_verification", challenge: "chunky", token: "t" });
    const ts = Math.floor(Date.now() / 1000);
    const bytes = new TextEncoder().encode(payload);
    const body = new ReadableStream<Uint8Array>({
      start(ctrl) {
        ctrl.enqueue(bytes.slice(0, 10));
        ctrl.enqueue(bytes.slice(10));
        ctrl.close();
      },
    });
    const req = new Request("http://bgagent.test/slack/events", {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-slack-request-timestamp": String(ts),
        "x-slack-signature": await sign(payload, ts),
      },
      body,
      duplex: "half",
    } as RequestInit);
    const res = await worker.fetch(req as Parameters<typeof worker.fetch>[0], env, createExecutionContext());
    expect(res.status).toBe(200);
    expect(await res.text()).toContain("chunky");
  });

  // Slack's published example ("Verifying requests from Slack"): a slash-command body, its signing
  // secret and timestamp, and the signature Slack sent with them.
  const DOC = {
    secret: "8f742231b10e8888abcd99yyyzzz85a5",
    timestamp: 1531420618,
    body: "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c",
    signature: "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503",
  };

  it("signs test requests exactly as Slack's documented example", async () => {
    expect(await sign(DOC.body, DOC.timestamp, DOC.secret)).toBe(DOC.signature);
  });

  it("accepts Slack's documented example and refuses it with one byte changed (the verifier the app runs)", async () => {
    vi.useFakeTimers({ now: (DOC.timestamp + 30) * 1000, toFake: ["Date"] });
    try {
      const headers = (sig: string) => new Headers({ "x-slack-request-timestamp": String(DOC.timestamp), "x-slack-signature": sig });
      expect(await verifySlackRequest(DOC.secret, headers(DOC.signature), DOC.body)).toBe(true);
      expect(await verifySlackRequest(DOC.secret, headers(DOC.signature), DOC.body.replace("text=", "text=x"))).toBe(false);
      expect(await verifySlackRequest(DOC.secret, headers(DOC.signature.replace(/.$/, "4")), DOC.body)).toBe(false);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe("@mention submits a task", () => {
  it("creates a task for the linked user, in the mention's thread, and reacts :eyes:", async () => {
    const { user, slackUser, repo } = await linkedUserWithRepo();
    const ev = mention(slackUser, `${repo}#42 fix the flaky login test`);
    expect((await sendEvent(ev)).status).toBe(200);
    const tasks = (await tasksOf(user.user_id)).results;
    expect(tasks).toHaveLength(1);
    expect(tasks[0]).toMatchObject({ repo, issue_number: 42, description: "fix the flaky login test", channel_source: "slack" });
    expect(JSON.parse(tasks[0].channel_metadata)).toEqual({
      slack_team_id: "T1",
      slack_channel_id: "C1",
      slack_user_id: slackUser,
      slack_thread_ts: ev.ts,
    });
    expect(fake.slackCallsAbout("reactions.add", ev.ts)[0].body).toMatchObject({ name: "eyes", timestamp: ev.ts });
  });

  it("replies in the existing thread when mentioned inside one", async () => {
    const { user, slackUser, repo } = await linkedUserWithRepo();
    await sendEvent(mention(slackUser, `${repo} x`, { thread_ts: "1700000000.000777" }));
    expect(JSON.parse((await tasksOf(user.user_id)).results[0].channel_metadata).slack_thread_ts).toBe("1700000000.000777");
  });

  it("processes a retried delivery exactly once", async () => {
    const { user, slackUser, repo } = await linkedUserWithRepo();
    const ev = mention(slackUser, `${repo} once please`);
    await sendEvent(ev, { eventId: "EvRETRY1" });
    await sendEvent(ev, { eventId: "EvRETRY1", headers: { "x-slack-retry-num": "1", "x-slack-retry-reason": "http_timeout" } });
    await sendEvent(ev, { eventId: "EvRETRY2" }); // same message delivered under another event id
    expect((await tasksOf(user.user_id)).results).toHaveLength(1);
  });

  it("still processes a retry when the first delivery never finished", async () => {
    const { user, slackUser, repo } = await linkedUserWithRepo();
    const ev = mention(slackUser, `${repo} retry me`);
    // The first attempt claimed the event and died before finishing (a minute ago).
    await env.DB.prepare("INSERT INTO slack_event_dedup (event_key, received_at) VALUES ('event:EvDIED', ?)")
      .bind(Date.now() - 120_000)
      .run();
    await sendEvent(ev, { eventId: "EvDIED", headers: { "x-slack-retry-num": "1" } });
    expect((await tasksOf(user.user_id)).results).toHaveLength(1);
  });

  it("ignores bots and message edits", async () => {
    const { user, slackUser, repo } = await linkedUserWithRepo();
    await sendEvent(mention(slackUser, `${repo} x`, { bot_id: "B999" }));
    await sendEvent(mention(slackUser, `${repo} x`, { subtype: "message_changed" }));
    expect((await tasksOf(user.user_id)).results).toHaveLength(0);
  });

  it("tells an unlinked user how to link", async () => {
    const ev = mention(uniqueSlackUser(), "acme/x fix it");
    await sendEvent(ev);
    const replies = fake.slackCallsAbout("chat.postMessage", ev.ts);
    expect(replies).toHaveLength(1);
    expect(replies[0].body).toMatchObject({ channel: "C1", thread_ts: ev.ts });
    expect(replies[0].body.text).toContain("/bgagent link");
    expect(fake.slackCallsAbout("reactions.add", ev.ts).map((c) => c.body.name)).toEqual(["eyes", "x"]);
  });

  it("falls back to the channel's default repo, and asks for one when there is none", async () => {
    const { user, slackUser, repo } = await linkedUserWithRepo();
    const ev = mention(slackUser, "fix the build", { channel: "CNOREPO" });
    await sendEvent(ev);
    expect(fake.slackCallsAbout("chat.postMessage", ev.ts)[0].body.text).toContain("Please include a repo");
    await env.DB.prepare("INSERT OR REPLACE INTO channels (channel_key, repo, updated_at) VALUES ('CDEFAULT', ?, '')").bind(repo).run();
    await sendEvent(mention(slackUser, "fix the build", { channel: "CDEFAULT" }));
    expect((await tasksOf(user.user_id)).results[0]).toMatchObject({ repo, description: "fix the build" });
  });

  it("says clearly when the repo is not onboarded", async () => {
    const { slackUser } = await linkedUserWithRepo();
    const ev = mention(slackUser, "ghost/repo do it");
    await sendEvent(ev);
    expect(fake.slackCallsAbout("chat.postMessage", ev.ts)[0].body.text).toMatch(
      /^:x: Failed to create task: Repo ghost\/repo is not onboarded/,
    );
  });

  it("accepts a DM to the bot, and ignores other plain messages", async () => {
    const { user, slackUser, repo } = await linkedUserWithRepo();
    const dm = { type: "message", channel_type: "im", user: slackUser, text: `${repo} dm task`, channel: "D1", ts: "1700000001.000001" };
    await sendEvent(dm);
    await sendEvent({ ...dm, channel_type: "channel", ts: "1700000001.000002", channel: "C9" });
    expect((await tasksOf(user.user_id)).results.map((t) => t.description)).toEqual(["dm task"]);
  });

  it("decodes Slack markup into the task text; the bot's own mention (from authorizations) is dropped wherever it is", async () => {
    const { user, slackUser, repo } = await linkedUserWithRepo();
    const ts = "1700000002.000001";
    const text = `hey <@UBOTX> ${repo} ask <@U2|bob> in <#C9|ops> about <https://ci.test/1?a=1&amp;b=2|the run> &amp; fix`;
    const envelope = {
      type: "event_callback",
      team_id: "T1",
      api_app_id: "A1",
      event_id: `Ev${ts}`,
      event_time: 1,
      authorizations: [{ enterprise_id: null, team_id: "T1", user_id: "UBOTX", is_bot: true, is_enterprise_install: false }],
      event: { type: "app_mention", user: slackUser, text, channel: "C1", ts, event_ts: ts },
    };
    expect((await sendSlack("/slack/events", JSON.stringify(envelope), "application/json")).status).toBe(200);
    const [t] = (await tasksOf(user.user_id)).results;
    expect(t.description).toBe("hey ask @bob in #ops about the run (https://ci.test/1?a=1&b=2) & fix");
  });

  it("keeps hostile text as data", async () => {
    const { user, slackUser, repo } = await linkedUserWithRepo();
    // As Slack sends it: what people type as < > & arrives as entities, which become text again.
    const hostile = `${repo} &lt;script&gt;alert(1)&lt;/script&gt; \`rm -rf /\` ${"x".repeat(9000)}`;
    await sendEvent(mention(slackUser, hostile));
    const t = (await tasksOf(user.user_id)).results[0];
    expect(t.description.startsWith("<script>alert(1)</script>")).toBe(true);
    expect(t.description.length).toBeLessThanOrEqual(8000);
  });
});
