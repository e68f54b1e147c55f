/**
 * The whole flow on one machine: real `wrangler dev`, a local bare git repository, `bgagent runner`
 * running `bgagent demo-agent`, whose tool calls go through the real PreToolUse hook.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DevServer, startDevServer } from "../../cli/dev/devServer.mjs";
import { request } from "../../cli/dev/http.mjs";
import { bareRepo, startRunner as runner, until } from "../../cli/dev/support/e2e";

let server: DevServer;
let tmp: string;
let bare: string;
let userToken: string;
let runnerToken: string;

const http = (method: string, path: string, token: string, body?: unknown) => request(method, `${server.url}${path}`, { token, body });
const startRunner = () => runner({ url: server.url, token: runnerToken, workdir: join(tmp, "work"), reposDir: tmp });

async function submitAndAwaitApproval(description: string) {
  const t = await http("POST", "/v1/tasks", userToken, { repo: "acme/widgets", description, issue_number: 3 });
  expect(t.status).toBe(201);
  const id = t.body.data.task_id as string;
  const task = await until("AWAITING_APPROVAL", async () => {
    const r = await http("GET", `/v1/tasks/${id}`, userToken);
    return r.body.data.status === "AWAITING_APPROVAL" ? r.body.data : null;
  });
  return { id, rid: task.awaiting_approval_request_id as string };
}

const statusOf = async (id: string) => (await http("GET", `/v1/tasks/${id}`, userToken)).body.data;
const eventsOf = async (id: string) =>
  (await http("GET", `/v1/tasks/${id}/events`, userToken)).body.data.events as Array<{ event_type: string; metadata: any }>;

beforeAll(async () => {
  server = await startDevServer();
  tmp = mkdtempSync(join(tmpdir(), "bgagent-e2e-"));
  bare = bareRepo(tmp); // a "remote" with one commit on main
  userToken = (await http("POST", "/v1/admin/users", server.adminToken, { name: "dev" })).body.data.token;
  runnerToken = (await http("POST", "/v1/admin/runners", server.adminToken, { name: "e2e" })).body.data.token;
  await http("PUT", "/v1/repos/acme/widgets", server.adminToken, {});
}, 120_000);
afterAll(async () => server?.stop());

describe("runner + demo agent + hook against wrangler dev", () => {
  it("approve: the agent resumes, pushes to the repo and the task completes, reporting no PR it never opened", async () => {
    const runner = startRunner();
    const { id, rid } = await submitAndAwaitApproval("fix the flaky test");
    const started = Date.now();
    const r = await http("POST", `/v1/tasks/${id}/approve`, userToken, { request_id: rid });
    expect(r.status).toBe(202);
    const done = await until("COMPLETED", async () => {
      const t = await statusOf(id);
      return t.status === "COMPLETED" ? t : null;
    });
    expect(done.pr_url).toBeNull();
    expect(await runner.exited).toBe(0);
    const log = execFileSync("git", ["log", "--oneline", "main"], { cwd: bare }).toString();
    expect(log).toContain("Fix the flaky test (bgagent demo)");
    expect(runner.output()).toContain("push approved: User approved (this_call)");
    const events = await eventsOf(id);
    const types = events.map((e) => e.event_type);
    expect(types).toEqual(expect.arrayContaining(["session_started", "approval_requested", "approval_granted", "task_completed"]));
    expect(types).not.toContain("pr_created");
    const pushed = events.find((e) => e.event_type === "agent_milestone")?.metadata;
    expect(pushed).toMatchObject({ milestone: "pushed", ref: "main" });
    expect(execFileSync("git", ["rev-parse", "main"], { cwd: bare }).toString()).toMatch(new RegExp(`^${pushed.commit}`));
    expect(Date.now() - started).toBeLessThan(15_000);
  });

  it("deny: the agent is told the reason and reports it back", async () => {
    const runner = startRunner();
    const { id, rid } = await submitAndAwaitApproval("second task");
    await http("POST", `/v1/tasks/${id}/deny`, userToken, { request_id: rid, reason: "open a pull request instead" });
    await until("COMPLETED", async () => (await statusOf(id)).status === "COMPLETED");
    expect(await runner.exited).toBe(0);
    expect(runner.output()).toContain("push denied: AUTHORITATIVE DENY from human reviewer: open a pull request instead");
    const milestone = (await eventsOf(id)).find((e) => e.event_type === "agent_milestone");
    expect(milestone?.metadata.reason).toContain("open a pull request instead");
  });

  it("cancel mid-approval: the runner kills the agent and the task ends CANCELLED", async () => {
    const runner = startRunner();
    const { id } = await submitAndAwaitApproval("third task");
    await http("POST", `/v1/tasks/${id}/cancel`, userToken);
    expect(await runner.exited).toBe(0);
    expect((await statusOf(id)).status).toBe("CANCELLED");
    expect(runner.output()).toContain('"runner":"cancel_requested"');
    expect(runner.output()).not.toContain("push approved");
  });

  it("revoking the runner's tokens mid-task: its heartbeat is refused, it kills the agent and finishes nothing", async () => {
    const revokee = (await http("POST", "/v1/admin/runners", server.adminToken, { name: "e2e-revoked" })).body.data;
    const r = runner({ url: server.url, token: revokee.token, workdir: join(tmp, "work-revoked"), reposDir: tmp });
    const { id } = await submitAndAwaitApproval("fourth task");
    const revoked = await http("DELETE", `/v1/admin/runners/${revokee.runner_id}/tokens`, server.adminToken);
    expect(revoked.body.data).toEqual({ revoked: 1, tasks_revoked: 1 });
    expect(await r.exited).toBe(0);
    expect(r.output()).toContain('"runner":"task_token_refused"');
    expect(r.output()).not.toContain("push approved");
    expect(r.output()).not.toContain('"runner":"finished"');
    expect(await statusOf(id)).toMatchObject({ status: "FAILED", error_message: expect.stringContaining("revoked") });
  });
});
