import { env } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ADMIN, call, createUser, onboardRepo, runningTask, submit } from "../helpers/api";
import { installFakeApis } from "../helpers/fakeFetch";
import { linkSlackUser, sendCommand, uniqueSlackUser } from "../helpers/slack";

beforeEach(() => {
  installFakeApis();
});
afterEach(() => vi.restoreAllMocks());

const command = async (user: string, text: string) => {
  const r = await sendCommand({ user_id: user, text });
  expect(r.status).toBe(200);
  return JSON.parse(r.text) as { response_type: string; text: string; blocks?: any[] };
};

describe("/bgagent link and bgagent slack link", () => {
  it("links a Slack identity with a one-time code; the code works once", async () => {
    const slackUser = uniqueSlackUser();
    const r = await command(slackUser, "link");
    expect(r.response_type).toBe("ephemeral");
    const code = /bgagent slack link ([A-Z0-9]{6})/.exec(r.text)![1];
    expect(code).not.toMatch(/[01OIL]/);
    const user = await createUser();
    const linked = await call("POST", "/v1/slack/link", { token: user.token, body: { code: code.toLowerCase() } });
    expect(linked.status).toBe(200);
    expect(linked.body.data).toMatchObject({ slack_team_id: "T1", slack_user_id: slackUser });
    expect((await call("POST", "/v1/slack/link", { token: user.token, body: { code } })).status).toBe(404);
    expect((await command(slackUser, "link")).text).toContain("already linked");
  });

  it("never re-links a Slack identity to someone else (409)", async () => {
    const slackUser = uniqueSlackUser();
    const alice = await createUser();
    await linkSlackUser(slackUser, alice.user_id);
    // A code for that identity (e.g. minted before the first link completed) redeemed by Mallory:
    await env.DB.prepare("INSERT INTO slack_link_codes (code, slack_team_id, slack_user_id, expires_at, created_at) VALUES ('MALLRY', 'T1', ?, ?, '')").bind(slackUser, Date.now() + 60_000).run();
    const mallory = await createUser();
    const r = await call("POST", "/v1/slack/link", { token: mallory.token, body: { code: "MALLRY" } });
    expect(r.status).toBe(409);
    const row = await env.DB.prepare("SELECT user_id FROM slack_links WHERE slack_team_id = 'T1' AND slack_user_id = ?").bind(slackUser).first<any>();
    expect(row.user_id).toBe(alice.user_id);
  });

  it("rejects expired and unknown codes with 404", async () => {
    await env.DB.prepare("INSERT INTO slack_link_codes (code, slack_team_id, slack_user_id, expires_at, created_at) VALUES ('OLDCDE', 'T1', 'UOLD', ?, '')").bind(Date.now() - 1).run();
    const user = await createUser();
    for (const code of ["OLDCDE", "NOPE42"]) {
      const r = await call("POST", "/v1/slack/link", { token: user.token, body: { code } });
      expect(r.status).toBe(404);
      expect(r.body.error.message).toBe("Invalid or expired link code.");
    }
  });
});

describe("/bgagent status, pending, help", () => {
  it("answers help for empty or unknown input", async () => {
    expect((await command(uniqueSlackUser(), "")).text).toContain("/bgagent link");
    expect((await command(uniqueSlackUser(), "frobnicate")).text).toContain("/bgagent pending");
  });

  it("asks unlinked users to link first", async () => {
    expect((await command(uniqueSlackUser(), "status")).text).toContain("/bgagent link");
  });

  it("shows the caller's tasks, and one task only if it is theirs", async () => {
    const user = await createUser();
    const slackUser = uniqueSlackUser();
    await linkSlackUser(slackUser, user.user_id);
    const task = await submit(user.token, { repo: await onboardRepo(), description: "status me" });
    expect((await command(slackUser, "status")).text).toContain(task.task_id);
    expect((await command(slackUser, `status ${task.task_id}`)).text).toContain("*SUBMITTED*");
    const other = await submit((await createUser()).token, { repo: await onboardRepo(), description: "not yours" });
    expect((await command(slackUser, `status ${other.task_id}`)).text).toContain("No task");
  });

  it("lists pending approvals with their buttons", async () => {
    const t = await runningTask();
    const slackUser = uniqueSlackUser();
    await linkSlackUser(slackUser, t.user.user_id);
    const g = await call("POST", `/v1/tasks/${t.taskId}/gate`, { token: t.taskToken, body: { tool_name: "Bash", tool_input: { command: "git push -f origin x" } } });
    const r = await command(slackUser, "pending");
    const ids = (r.blocks ?? []).filter((b) => b.type === "actions").flatMap((b) => b.elements.map((e: any) => e.action_id));
    expect(ids).toContain(`approve_action:${t.taskId}:${g.body.data.request_id}`);
  });
});

describe("channel default repo (admin)", () => {
  it("sets it for onboarded repos only", async () => {
    const repo = await onboardRepo();
    expect((await call("PUT", "/v1/slack/channels/C0DEFAULT", { token: ADMIN, body: { repo } })).status).toBe(200);
    expect((await call("PUT", "/v1/slack/channels/C0DEFAULT", { token: ADMIN, body: { repo: "ghost/nope" } })).status).toBe(422);
    expect((await call("PUT", "/v1/slack/channels/not-a-channel", { token: ADMIN, body: { repo } })).status).toBe(400);
    const user = await createUser();
    expect((await call("PUT", "/v1/slack/channels/C0DEFAULT", { token: user.token, body: { repo } })).status).toBe(403);
  });
});
