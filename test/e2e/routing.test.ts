/**
 * Approval routing end to end, against the real `wrangler dev` with the fake Slack over HTTP: a
 * CLI-submitted task's approval arrives as a DM to its owner and is approved from it; an approver
 * (not the owner) approves from the repo's approval channel, where a bystander's click is refused.
 */
import { execFile } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DevServer, startDevServer } from "../../cli/dev/devServer.mjs";
import { request } from "../../cli/dev/http.mjs";
import { BIN, linkSlackUser, slackPost, until } from "../../cli/dev/support/e2e";
import { type FakeApiServer, startFakeApiServer } from "../../cli/dev/support/fakeApiServer";

const SECRET = "e2e-signing-secret";
const exec = promisify(execFile);
let server: DevServer;
let apis: FakeApiServer;
let runnerToken: string;
const config = join(mkdtempSync(join(tmpdir(), "bgagent-routing-")), "config.json");

const http = (method: string, path: string, token: string, body?: unknown) => request(method, `${server.url}${path}`, { token, body });
const cli = async (token: string, ...args: string[]) =>
  JSON.parse(
    (
      await exec("node", [BIN, ...args, "--json"], {
        env: { ...process.env, BGAGENT_CONFIG: config, BGAGENT_URL: server.url, BGAGENT_TOKEN: token },
      })
    ).stdout,
  );

async function newUser(name: string, slackUser: string) {
  const u: { user_id: string; token: string } = (await http("POST", "/v1/admin/users", server.adminToken, { name })).body.data;
  await linkSlackUser({ baseUrl: server.url, secret: SECRET, userToken: u.token, slackUser, responseUrl: apis.responseUrl("link") });
  return u;
}

/** Claim the task as a runner, start it and make the gate call that waits for a human; the agent's long-poll. */
async function gatedTask(taskId: string) {
  const claim = await http("POST", "/v1/runner/claim?wait=5", runnerToken);
  expect(claim.body.data.task.task_id).toBe(taskId);
  const token: string = claim.body.data.task_token;
  await http("POST", `/v1/tasks/${taskId}/events`, token, { type: "session_started" });
  const g = await http("POST", `/v1/tasks/${taskId}/gate`, token, {
    tool_name: "Bash",
    tool_input: { command: "git push --force origin feature/x" },
  });
  expect(g.body.data.outcome).toBe("require_approval");
  const rid: string = g.body.data.request_id;
  return { rid, waiting: http("GET", `/v1/tasks/${taskId}/approvals/${rid}?wait=25`, token) };
}

const cardsIn = (channel: string) =>
  apis.fake
    .succeeded("slack", "chat.postMessage")
    .filter((c) => c.body.channel === channel && String(c.body.text).startsWith("Approval required"));

/** A signed button click on a card, as Slack sends it from `channel`; returns the ephemeral answer. */
async function clickCard(slackUser: string, actionId: string, channel: string): Promise<string> {
  const id = `${slackUser}-${Date.now()}`;
  const payload = {
    type: "block_actions",
    user: { id: slackUser, team_id: "T1" },
    team: { id: "T1" },
    api_app_id: "A1",
    trigger_id: "trigger-e2e",
    response_url: apis.responseUrl(id),
    channel: { id: channel },
    container: { type: "message", channel_id: channel },
    actions: [{ type: "button", action_id: actionId, block_id: "b", action_ts: "1.2" }],
  };
  const r = await slackPost(
    server.url,
    SECRET,
    "/slack/interactions",
    new URLSearchParams({ payload: JSON.stringify(payload) }).toString(),
    "application/x-www-form-urlencoded",
  );
  expect(r.status).toBe(200);
  const answer = await until("the ephemeral answer", () => apis.fake.slackCalls(`/response/${id}`)[0], 10_000, 50);
  return answer.body.text as string;
}

beforeAll(async () => {
  apis = await startFakeApiServer();
  server = await startDevServer({ vars: { SLACK_BOT_TOKEN: "xoxb-e2e", SLACK_API_BASE_URL: apis.slackBaseUrl } });
  runnerToken = (await http("POST", "/v1/admin/runners", server.adminToken, { name: "routing" })).body.data.token;
}, 120_000);
afterAll(async () => {
  await server?.stop();
  await apis?.stop();
});

describe("approval routing end to end", () => {
  it("a CLI-submitted task's approval arrives as a DM to its owner and is approved from it; the DM card is edited", async () => {
    const owner = await newUser("dm-owner", "UDMOWNER");
    await http("PUT", "/v1/repos/acme/dm", server.adminToken, {});
    const task = await cli(owner.token, "submit", "acme/dm", "fix", "the", "flaky", "test");
    const { rid, waiting } = await gatedTask(task.task_id);

    const open = await until("conversations.open", () =>
      apis.fake.slackCalls("conversations.open").find((c) => c.body.users === "UDMOWNER"),
    );
    const dm: string = open.response.channel.id;
    const [card] = await until("the card in the DM", () => cardsIn(dm).length > 0 && cardsIn(dm));
    const actions = card.body.blocks.filter((b: any) => b.type === "actions").flatMap((b: any) => b.elements.map((e: any) => e.action_id));
    expect(actions).toContain(`approve_action:${task.task_id}:${rid}`);

    expect(await clickCard("UDMOWNER", `approve_action:${task.task_id}:${rid}`, dm)).toContain("Approved (this_call)");
    expect((await waiting).body.data).toMatchObject({ outcome: "allow", status: "APPROVED" });
    const edit = await until("the DM card edited", () => apis.fake.slackCalls("chat.update").find((u) => u.body.ts === card.response.ts));
    expect(edit.body.channel).toBe(dm);
    expect(JSON.stringify(edit.body.blocks)).toContain("*Approved* by <@UDMOWNER> (owner)");
    const shown = await cli(owner.token, "show", task.task_id, rid);
    expect(shown).toMatchObject({ status: "APPROVED", decided_by: owner.user_id, decided_role: "owner" });
  });

  it("an approver (not the owner) approves from the repo's approval channel; a bystander's click there changes nothing", async () => {
    const owner = await newUser("chan-owner", "UCHOWNER");
    const approver = await newUser("chan-approver", "UCHAPPROVER");
    await newUser("chan-bystander", "UCHBYSTANDER");
    await http("PUT", "/v1/repos/acme/ops", server.adminToken, { approvers: [approver.user_id], approval_channel: "COPSE2E" });
    const task = await cli(owner.token, "submit", "acme/ops", "bump", "the", "deps");
    const { rid, waiting } = await gatedTask(task.task_id);
    const [card] = await until("the card in the approval channel", () => cardsIn("COPSE2E").length > 0 && cardsIn("COPSE2E"));

    // The approver sees it in their pending list, marked as approver, and may read the task.
    const pending = await cli(approver.token, "pending");
    expect(pending.pending).toEqual([expect.objectContaining({ task_id: task.task_id, request_id: rid, role: "approver" })]);
    expect((await http("GET", `/v1/tasks/${task.task_id}`, approver.token)).status).toBe(200);

    const approve = `approve_action:${task.task_id}:${rid}`;
    expect(await clickCard("UCHBYSTANDER", approve, "COPSE2E")).toBe(":mag: Approval request not found, or not yours to decide.");
    expect((await cli(owner.token, "show", task.task_id, rid)).status).toBe("PENDING");

    expect(await clickCard("UCHAPPROVER", approve, "COPSE2E")).toContain("Approved (this_call)");
    expect((await waiting).body.data).toMatchObject({ outcome: "allow", status: "APPROVED" });
    expect(await cli(owner.token, "show", task.task_id, rid)).toMatchObject({ decided_by: approver.user_id, decided_role: "approver" });
    // Both copies (the owner's DM and the channel's) are edited to say who decided, as what.
    const edits = await until("both cards edited", () => {
      const e = apis.fake.slackCalls("chat.update").filter((u) => JSON.stringify(u.body.blocks).includes(`<@UCHAPPROVER> (approver)`));
      return e.length >= 2 && e;
    });
    expect(edits.map((e) => e.body.channel)).toEqual(expect.arrayContaining(["COPSE2E", expect.stringMatching(/^D/)]));
    expect(edits.find((e) => e.body.channel === "COPSE2E")!.body.ts).toBe(card.response.ts);
  });
});
