import { env } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { LINK_TRIES_PER_MINUTE, LINK_TRIES_PER_USER_MINUTE } from "../../src/api/slack/link";
import { newLinkCode } from "../../src/slack/parse";
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
    const code = /bgagent slack link ([A-HJKMNP-Z2-9]{10})/.exec(r.text)![1];
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
    await env.DB.prepare(
      "INSERT INTO slack_link_codes (code, slack_team_id, slack_user_id, expires_at, created_at) VALUES ('MALLRY', 'T1', ?, ?, '')",
    )
      .bind(slackUser, Date.now() + 60_000)
      .run();
    const mallory = await createUser();
    const r = await call("POST", "/v1/slack/link", { token: mallory.token, body: { code: "MALLRY" } });
    expect(r.status).toBe(409);
    const row = await env.DB.prepare("SELECT user_id FROM slack_links WHERE slack_team_id = 'T1' AND slack_user_id = ?")
      .bind(slackUser)
      .first<any>();
    expect(row.user_id).toBe(alice.user_id);
  });

  it("rejects expired and unknown codes with 404", async () => {
    await env.DB.prepare(
      "INSERT INTO slack_link_codes (code, slack_team_id, slack_user_id, expires_at, created_at) VALUES ('OLDCDE', 'T1', 'UOLD', ?, '')",
    )
      .bind(Date.now() - 1)
      .run();
    const user = await createUser();
    for (const code of ["OLDCDE", "NOPE42"]) {
      const r = await call("POST", "/v1/slack/link", { token: user.token, body: { code } });
      expect(r.status).toBe(404);
      expect(r.body.error.message).toBe("Invalid or expired link code.");
    }
  });
});

describe("link codes", () => {
  it("are 10 characters of the unambiguous alphabet", () => {
    for (let i = 0; i < 50; i++) expect(newLinkCode()).toMatch(/^[A-HJKMNP-Z2-9]{10}$/);
  });

  it("draw again on random bytes that would bias the alphabet (rejection sampling)", () => {
    // 31 letters: bytes 248..255 would make the first 8 letters likelier, so they are skipped.
    const batches = [Uint8Array.from([248, 255, 0, 30, 31, 61, 62, 247, 249, 250]), Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])];
    let i = 0;
    expect(newLinkCode(() => batches[i++])).toBe("A9A9A9BCDE"); // 247 % 31 = 30 is kept; 248+ never are
    expect(i).toBe(2);
  });
});

/** A Slack identity linked the real way: the slash command's code redeemed with the user's token. */
async function linkByCode(slackUser: string, userToken: string) {
  const code = /bgagent slack link ([A-HJKMNP-Z2-9]{10})/.exec((await command(slackUser, "link")).text)![1];
  return call("POST", "/v1/slack/link", { token: userToken, body: { code } });
}

/** Start counting in a fresh one-minute window, so a limit test is not split across two. */
async function freshWindow() {
  const left = 60_000 - (Date.now() % 60_000);
  if (left < 5_000) await new Promise((r) => setTimeout(r, left + 50));
}

describe("link redemption rate limits", () => {
  it("answers brute force with 429 and Retry-After, per user", async () => {
    const user = await createUser();
    await freshWindow();
    for (let i = 0; i < LINK_TRIES_PER_USER_MINUTE; i++) {
      expect((await call("POST", "/v1/slack/link", { token: user.token, body: { code: `GUESS${i}` } })).status).toBe(404);
    }
    const r = await call("POST", "/v1/slack/link", { token: user.token, body: { code: "GUESSLAST" } });
    expect(r.status).toBe(429);
    expect(r.body.error.code).toBe("RATE_LIMIT_EXCEEDED");
    expect(r.body.error.request_id).toBeTruthy();
    const retry = Number(r.headers.get("retry-after"));
    expect(retry).toBeGreaterThanOrEqual(1);
    expect(retry).toBeLessThanOrEqual(60);
    // Even the right code waits: the limit is checked before the code is looked at.
    const slackUser = uniqueSlackUser();
    expect((await linkByCode(slackUser, user.token)).status).toBe(429);
    // Another user is not held up by this one.
    expect((await linkByCode(uniqueSlackUser(), (await createUser()).token)).status).toBe(200);
  });

  it("limits everyone together too, so guessing from many accounts is capped", async () => {
    await freshWindow();
    const window = Math.floor(Date.now() / 60_000);
    await env.DB.prepare(
      "INSERT INTO rate_counters (bucket, window, count) VALUES ('link#*', ?, ?) ON CONFLICT (bucket, window) DO UPDATE SET count = excluded.count",
    )
      .bind(window, LINK_TRIES_PER_MINUTE)
      .run();
    try {
      const r = await call("POST", "/v1/slack/link", { token: (await createUser()).token, body: { code: "ANYCODE234" } });
      expect(r.status).toBe(429);
      expect(r.headers.get("retry-after")).toMatch(/^\d+$/);
    } finally {
      await env.DB.prepare("DELETE FROM rate_counters WHERE bucket = 'link#*'").run();
    }
  });
});

describe("unlink", () => {
  it("/bgagent unlink removes the caller's link; linking again works", async () => {
    const slackUser = uniqueSlackUser();
    const user = await createUser();
    expect((await linkByCode(slackUser, user.token)).status).toBe(200);
    expect((await command(slackUser, "unlink")).text).toContain("no longer linked");
    expect((await command(slackUser, "status")).text).toContain("/bgagent link");
    expect((await command(slackUser, "unlink")).text).toContain("not linked");
    // Relinked, even to another bgagent user.
    const other = await createUser();
    expect((await linkByCode(slackUser, other.token)).body.data.slack_user_id).toBe(slackUser);
    const row = await env.DB.prepare("SELECT user_id FROM slack_links WHERE slack_team_id = 'T1' AND slack_user_id = ?")
      .bind(slackUser)
      .first<any>();
    expect(row.user_id).toBe(other.user_id);
  });

  it("DELETE /v1/slack/link removes only the caller's own links", async () => {
    const mine = uniqueSlackUser();
    const theirs = uniqueSlackUser();
    const me = await createUser();
    const them = await createUser();
    await linkByCode(mine, me.token);
    await linkByCode(theirs, them.token);
    const r = await call("DELETE", "/v1/slack/link", { token: me.token });
    expect(r.body.data).toEqual({ unlinked: 1 });
    expect((await command(mine, "status")).text).toContain("/bgagent link");
    expect((await command(theirs, "status")).text).not.toContain("/bgagent link");
    expect((await call("DELETE", "/v1/slack/link", { token: me.token })).body.data).toEqual({ unlinked: 0 });
    expect((await call("DELETE", "/v1/slack/link", { token: ADMIN })).status).toBe(403);
    expect((await linkByCode(mine, me.token)).status).toBe(200);
  });

  it("an admin unlinks a person who left, by Slack id or by bgagent user", async () => {
    const a = uniqueSlackUser();
    const b = uniqueSlackUser();
    const user = await createUser();
    await linkByCode(a, user.token);
    expect((await call("DELETE", `/v1/admin/slack-links/${a}`, { token: ADMIN })).body.data).toEqual({ unlinked: 1 });
    expect((await command(a, "status")).text).toContain("/bgagent link");
    const again = await call("DELETE", `/v1/admin/slack-links/${a}`, { token: ADMIN });
    expect([again.status, again.body.error.code]).toEqual([404, "NOT_FOUND"]);

    await linkByCode(b, user.token);
    expect((await call("DELETE", `/v1/admin/users/${user.user_id}/slack-links`, { token: ADMIN })).body.data).toEqual({ unlinked: 1 });
    expect((await command(b, "status")).text).toContain("/bgagent link");
    expect((await linkByCode(b, user.token)).status).toBe(200);
  });

  it("answers bad admin unlink input with the error envelope, never a 500", async () => {
    for (const [path, status] of [
      ["/v1/admin/slack-links/not-a-slack-id", 400],
      [`/v1/admin/slack-links/${"U".repeat(40)}`, 400],
      ["/v1/admin/slack-links/U123?team_id=bad%20team", 400],
      ["/v1/admin/slack-links/U123?other=1", 400],
      ["/v1/admin/users/nobody/slack-links", 404],
    ] as const) {
      const r = await call("DELETE", path, { token: ADMIN });
      expect(r.status, path).toBe(status);
      expect(r.body.error.request_id, path).toBeTruthy();
    }
    const user = await createUser();
    expect((await call("DELETE", `/v1/admin/slack-links/U123`, { token: user.token })).status).toBe(403);
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
    const g = await call("POST", `/v1/tasks/${t.taskId}/gate`, {
      token: t.taskToken,
      body: { tool_name: "Bash", tool_input: { command: "git push -f origin x" } },
    });
    const r = await command(slackUser, "pending");
    const ids = (r.blocks ?? []).filter((b) => b.type === "actions").flatMap((b) => b.elements.map((e: any) => e.action_id));
    expect(ids).toContain(`approve_action:${t.taskId}:${g.body.data.request_id}`);
  });
  it("lists what the caller may decide as approver too, marked which is which; a stranger sees neither", async () => {
    const approver = await createUser();
    const approverSlack = uniqueSlackUser();
    await linkSlackUser(approverSlack, approver.user_id);
    const theirs = await runningTask({ approvers: [approver.user_id] });
    const g = await call("POST", `/v1/tasks/${theirs.taskId}/gate`, {
      token: theirs.taskToken,
      body: { tool_name: "Bash", tool_input: { command: "git push -f origin y" } },
    });
    const r = await command(approverSlack, "pending");
    const text = JSON.stringify(r.blocks);
    expect(text).toContain(`*approver* — you approve for \`${theirs.repo}\``);
    expect(text).toContain(`approve_action:${theirs.taskId}:${g.body.data.request_id}`);
    const stranger = uniqueSlackUser();
    await linkSlackUser(stranger, (await createUser()).user_id);
    expect(JSON.stringify((await command(stranger, "pending")).blocks ?? [])).not.toContain(g.body.data.request_id);
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
