/**
 * Failure paths on one machine, against the real `wrangler dev` with a fake Slack and GitHub over
 * HTTP: an approval nobody answers (fail closed, card edited), the service restarting while an
 * agent waits, and a runner killed mid-approval (stranded, not stuck).
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DevServer, startDevServer } from "../../cli/dev/devServer.mjs";
import { request } from "../../cli/dev/http.mjs";
import { bareRepo, linkSlackUser, startRunner as runner, slackPost, until } from "../../cli/dev/support/e2e";
import { type FakeApiServer, startFakeApiServer } from "../../cli/dev/support/fakeApiServer";

const SECRET = "e2e-signing-secret";
let server: DevServer;
let apis: FakeApiServer;
let tmp: string;
let user: { user_id: string; token: string };
let runnerToken: string;

const http = (method: string, path: string, token: string, body?: unknown) => request(method, `${server.url}${path}`, { token, body });

const slack = (path: string, body: string, contentType: string) => slackPost(server.url, SECRET, path, body, contentType);

const startRunner = () => runner({ url: server.url, token: runnerToken, workdir: join(tmp, "work"), reposDir: tmp });

const task = async (id: string) => (await http("GET", `/v1/tasks/${id}`, user.token)).body.data;
const awaiting = (id: string) =>
  until("AWAITING_APPROVAL", async () => ((await task(id)).status === "AWAITING_APPROVAL" ? task(id) : null));

/** A runner with the demo agent, and a task of ours it took up and paused at the force push. */
async function runnerAwaitingApproval(description: string) {
  const runner = startRunner();
  const created = await http("POST", "/v1/tasks", user.token, { repo: "acme/widgets", description });
  const id: string = created.body.data.task_id;
  const { awaiting_approval_request_id: rid } = await awaiting(id);
  return { runner, id, rid: rid as string };
}

beforeAll(async () => {
  apis = await startFakeApiServer();
  server = await startDevServer({
    vars: {
      HEARTBEAT_TIMEOUT_S: "10",
      SLACK_BOT_TOKEN: "xoxb-e2e",
      SLACK_API_BASE_URL: apis.slackBaseUrl,
      GITHUB_TOKEN: "ghs_e2e",
      GITHUB_API_BASE_URL: apis.githubBaseUrl,
    },
  });
  tmp = mkdtempSync(join(tmpdir(), "bgagent-faults-"));
  bareRepo(tmp);
  user = (await http("POST", "/v1/admin/users", server.adminToken, { name: "dev" })).body.data;
  runnerToken = (await http("POST", "/v1/admin/runners", server.adminToken, { name: "e2e" })).body.data.token;
  await http("PUT", "/v1/repos/acme/widgets", server.adminToken, { approval_timeout_s: 30 });
}, 120_000);
afterAll(async () => {
  await server?.stop();
  await apis?.stop();
});

describe("failure paths end to end", () => {
  it("an approval nobody answers: denied at the deadline (fail closed), the Slack card says so", async () => {
    // Link a Slack user the way people do: /bgagent link, then the CLI call with their token.
    await linkSlackUser({
      baseUrl: server.url,
      secret: SECRET,
      userToken: user.token,
      slackUser: "UE2E",
      responseUrl: apis.responseUrl("cmd"),
    });
    const runner = startRunner();
    const ts = `${Math.floor(Date.now() / 1000)}.000100`;
    const ev = {
      type: "event_callback",
      team_id: "T1",
      event_id: "EvE2E1",
      event: { type: "app_mention", user: "UE2E", text: "<@UBOT> acme/widgets#9 fix the flaky test", channel: "CE2E", ts },
    };
    expect((await slack("/slack/events", JSON.stringify(ev), "application/json")).status).toBe(200);
    const id = await until(
      "task from the mention",
      async () =>
        (await http("GET", "/v1/tasks?limit=1", user.token)).body.data.tasks.find(
          (t: { description: string }) => t.description === "fix the flaky test",
        )?.id,
    );
    const t = await awaiting(id);
    expect(t.approval_timeout_s).toBe(30);
    await until("approval card", async () =>
      apis.fake
        .slackCalls("chat.postMessage")
        .some((c) => c.body.channel === "CE2E" && String(c.body.text).startsWith("Approval required")),
    );
    const done = await until("outcome", async () => ((await task(id)).status === "COMPLETED" ? task(id) : null), 60_000);
    expect(done.pr_url).toBeNull();
    expect(runner.output()).toMatch(/push denied: Approval timed out after 30s with no decision \(fail closed/);
    await until("card edited", async () =>
      apis.fake.slackCalls("chat.update").some((c) => JSON.stringify(c.body.blocks).includes("Expired — denied (fail closed)")),
    );
    await until("outcome posted", async () =>
      apis.fake.slackCalls("chat.postMessage").some((c) => c.body.channel === "CE2E" && String(c.body.text).includes("Task completed")),
    );
    await until("GitHub comment", async () => apis.fake.comments.size === 1);
    expect(await runner.exited).toBe(0);
  }, 90_000);

  it("the service restarts while the agent waits: nothing is lost, the approval still lands", async () => {
    const { runner, id, rid } = await runnerAwaitingApproval("survive a restart");
    await server.restart(500);
    expect((await task(id)).status).toBe("AWAITING_APPROVAL");
    expect((await http("POST", `/v1/tasks/${id}/approve`, user.token, { request_id: rid })).status).toBe(202);
    await until("COMPLETED", async () => (await task(id)).status === "COMPLETED", 40_000);
    expect(runner.output()).toContain("push approved");
    expect(await runner.exited).toBe(0);
  }, 90_000);

  it("a runner killed mid-approval: the task is stranded and failed, not stuck", async () => {
    const { runner, id } = await runnerAwaitingApproval("runner dies");
    runner.child.kill("SIGKILL");
    const failed = await until("FAILED", async () => ((await task(id)).status === "FAILED" ? task(id) : null), 40_000);
    expect(failed.error_message).toMatch(/no heartbeat from the runner/);
    const types = (await http("GET", `/v1/tasks/${id}/events`, user.token)).body.data.events.map(
      (e: { event_type: string }) => e.event_type,
    );
    expect(types).toEqual(expect.arrayContaining(["approval_stranded", "task_stranded", "task_failed"]));
  }, 90_000);
});
