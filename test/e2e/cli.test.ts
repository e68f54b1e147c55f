/**
 * End to end: the real `wrangler dev` on 127.0.0.1, driven by the bundled CLI as a user would and
 * by plain HTTP as a runner would.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DevServer, startDevServer } from "../../cli/dev/devServer.mjs";
import { request } from "../../cli/dev/http.mjs";
import { linkSlackUser } from "../../cli/dev/support/e2e";

const root = join(import.meta.dirname, "..", "..");
const bin = join(root, "cli", "bin", "bgagent.mjs");
const exec = promisify(execFile);
let server: DevServer;
const config = join(mkdtempSync(join(tmpdir(), "bgagent-cli-")), "config.json");

async function cli(args: string[], env: Record<string, string> = {}) {
  const r = await exec("node", [bin, ...args], { env: { ...process.env, BGAGENT_CONFIG: config, ...env } });
  return r.stdout;
}
const cliJson = async (args: string[], env?: Record<string, string>) => JSON.parse(await cli([...args, "--json"], env));
const asAdmin = () => ({ BGAGENT_URL: server.url, BGAGENT_TOKEN: server.adminToken });

const http = (method: string, path: string, token: string, body?: unknown) => request(method, `${server.url}${path}`, { token, body });

beforeAll(async () => {
  server = await startDevServer();
}, 90_000);
afterAll(async () => server?.stop());

describe("bgagent against wrangler dev", () => {
  let userToken = "";
  let taskId = "";

  it("admin creates a user and onboards a repo; the user logs in and submits", async () => {
    const user = await cliJson(["admin", "create-user", "alice"], asAdmin());
    userToken = user.token;
    await cliJson(["admin", "put-repo", "acme/widgets"], asAdmin());
    expect(await cli(["login", "--url", server.url, "--token", userToken])).toMatch(/Logged in/);
    const task = await cliJson(["submit", "acme/widgets#7", "fix", "it"]);
    taskId = task.task_id;
    expect(task).toMatchObject({ repo: "acme/widgets", issue_number: 7, description: "fix it", status: "SUBMITTED" });
    expect(await cliJson(["status", taskId])).toMatchObject({ task_id: taskId, status: "SUBMITTED" });
    expect((await cliJson(["list"])).tasks.map((t: { id: string }) => t.id)).toContain(taskId);
  });

  it("a runner claims it and gates a force push; the user approves from the CLI; the waiting agent resumes", async () => {
    const runner = await cliJson(["admin", "create-runner", "laptop"], asAdmin());
    const claim = await http("POST", "/v1/runner/claim?wait=5", runner.token);
    expect(claim.status).toBe(200);
    const taskToken = claim.body.data.task_token;
    expect((await http("POST", `/v1/tasks/${taskId}/events`, taskToken, { type: "session_started" })).status).toBe(202);
    const gate = await http("POST", `/v1/tasks/${taskId}/gate`, taskToken, {
      tool_name: "Bash",
      tool_input: { command: "git push --force origin main" },
    });
    expect(gate.body.data).toMatchObject({ outcome: "require_approval" });
    const rid = gate.body.data.request_id;
    const waiting = http("GET", `/v1/tasks/${taskId}/approvals/${rid}?wait=20`, taskToken);
    const pending = await cliJson(["pending"]);
    expect(pending.pending).toEqual([expect.objectContaining({ task_id: taskId, request_id: rid, severity: "high" })]);
    const shown = await cliJson(["show", taskId, rid]);
    expect(shown).toMatchObject({
      task_id: taskId,
      request_id: rid,
      status: "PENDING",
      tool_name: "Bash",
      tool_input: { command: "git push --force origin main" },
      effects: expect.any(Array),
    });
    const human = await cli(["show", taskId, rid]);
    expect(human).toContain(`PENDING  HIGH  task ${taskId}  request ${rid}`);
    expect(human).toContain('Input (47 characters, whole):\n{\n  "command": "git push --force origin main"\n}');
    await cli(["approve", taskId, rid, "--scope", "rule:force_push_any"]);
    const answer = await waiting;
    expect(answer.body.data).toMatchObject({ outcome: "allow", status: "APPROVED" });
    const events = await cliJson(["events", taskId]);
    expect(events.events.map((e: { event_type: string }) => e.event_type)).toEqual(
      expect.arrayContaining([
        "task_created",
        "hydration_started",
        "session_started",
        "approval_requested",
        "approval_decision_recorded",
        "approval_granted",
      ]),
    );
  });

  it("the real hook, on Claude Code's Write of its own settings, gets a hard deny from the service", async () => {
    const runner = await cliJson(["admin", "create-runner", "hooked"], asAdmin());
    const t = await cliJson(["submit", "acme/widgets", "hooked"]);
    const claim = await http("POST", "/v1/runner/claim?wait=5", runner.token);
    expect({ status: claim.status, body: claim.body }).toMatchObject({ status: 200, body: { data: { task: { task_id: t.task_id } } } });
    const token = claim.body.data.task_token;
    await http("POST", `/v1/tasks/${t.task_id}/events`, token, { type: "session_started" });
    const hook = (payload: unknown) =>
      new Promise<string>((resolve, reject) => {
        const child = execFile(
          "node",
          [bin, "hook", "pre-tool-use"],
          {
            env: {
              PATH: process.env.PATH,
              BGAGENT_URL: server.url,
              BGAGENT_TASK_ID: t.task_id,
              BGAGENT_TASK_TOKEN: token,
              BGAGENT_REPO_DIR: "/work/widgets",
              HOME: "/home/agent",
            },
          },
          (err, stdout) => (err ? reject(err) : resolve(stdout)),
        );
        child.stdin?.end(JSON.stringify(payload));
      });
    const base = {
      session_id: "s",
      transcript_path: "/home/agent/.claude/t.jsonl",
      cwd: "/work/widgets",
      permission_mode: "bypassPermissions",
      hook_event_name: "PreToolUse",
    };
    const settings = JSON.parse(
      await hook({ ...base, tool_name: "Write", tool_input: { file_path: "/work/widgets/.claude/settings.local.json", content: "{}" } }),
    ).hookSpecificOutput;
    expect(settings).toMatchObject({
      permissionDecision: "deny",
      permissionDecisionReason: expect.stringMatching(/Hard-deny: agent_settings/),
    });
    // The same file reached from inside .claude by a relative Bash write: the service follows the cwd.
    const bash = JSON.parse(
      await hook({ ...base, cwd: "/work/widgets/.claude", tool_name: "Bash", tool_input: { command: "echo '{}' > settings.local.json" } }),
    ).hookSpecificOutput;
    expect(bash).toMatchObject({ permissionDecision: "deny", permissionDecisionReason: expect.stringMatching(/agent_settings/) });
    const ok = JSON.parse(
      await hook({ ...base, tool_name: "Write", tool_input: { file_path: "/work/widgets/src/a.ts", content: "x" } }),
    ).hookSpecificOutput;
    expect(ok.permissionDecision).toBe("allow");
  });

  it("denies through the CLI with a reason the agent then reads once", async () => {
    const runner = await cliJson(["admin", "create-runner", "ci"], asAdmin());
    const t = await cliJson(["submit", "acme/widgets", "second"]);
    const claim = await http("POST", "/v1/runner/claim?wait=5", runner.token);
    const token = claim.body.data.task_token;
    expect(claim.body.data.task.task_id).toBe(t.task_id);
    await http("POST", `/v1/tasks/${t.task_id}/events`, token, { type: "session_started" });
    // Long, with its point at the end behind a right-to-left override: `show` prints all of it, visibly.
    const content = `# ${"padding ".repeat(3000)}\nTOKEN=\u202eexe.live\n`;
    const rid = (
      await http("POST", `/v1/tasks/${t.task_id}/gate`, token, { tool_name: "Write", tool_input: { file_path: ".env", content } })
    ).body.data.request_id;
    expect((await cliJson(["show", t.task_id, rid])).tool_input).toEqual({ file_path: ".env", content });
    const human = await cli(["show", t.task_id, rid]);
    expect(human).toContain(JSON.stringify(content).replace("\u202e", "\\u202e"));
    expect(human).not.toContain("\u202e");
    await cli(["deny", t.task_id, rid, "--reason", "secrets stay out of the repo"]);
    const hb = await http("POST", `/v1/tasks/${t.task_id}/heartbeat`, token);
    expect(hb.body.data.denials[0]).toContain("secrets stay out of the repo");
    expect(await cli(["cancel", t.task_id])).toMatch(/Cancelled/);
    expect((await http("POST", `/v1/tasks/${t.task_id}/heartbeat`, token)).body.error.code).toBe("TASK_CANCELLED");
  });

  it("stats: the admin sees what just happened, as JSON and as tables", async () => {
    const m = await cliJson(["stats", "--since", "1h"], asAdmin());
    expect(m.gate.require_approval).toBeGreaterThanOrEqual(2); // the force push and the .env write above
    expect(m.approvals).toMatchObject({ approved: 1, denied: 1 });
    expect(m.approvals.by_rule.force_push_any.approved).toBe(1);
    expect(m.decision_latency_ms.approved.count).toBe(1);
    expect(m.tasks.by_status.CANCELLED).toBe(1);
    const human = await cli(["stats"], asAdmin());
    expect(human).toMatch(/Gate decisions: \d+ \(allow \d+, deny \d+, require approval \d+\)/);
    expect(human).toMatch(/force_push_any\s+\d+\s+1\s+0/);
    expect(human).toContain("decision latency");
    await expect(cli(["stats", "--since", "yesterday"], asAdmin())).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/since: use a duration/),
    });
    await expect(cli(["stats"])).rejects.toMatchObject({ code: 1, stderr: expect.stringMatching(/FORBIDDEN|admin/i) });
  });

  it("fails with a clear message and exit 1 on errors", async () => {
    await expect(cli(["status", "01JZZZZZZZZZZZZZZZZZZZZZZZ"])).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/Task not found/),
    });
    await expect(cli(["submit", "not-a-repo", "x"])).rejects.toMatchObject({ code: 1, stderr: expect.stringMatching(/not a repo/) });
    await expect(cli(["list"], { BGAGENT_URL: "http://127.0.0.1:1", BGAGENT_TOKEN: "x" })).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/cannot reach/),
    });
  });

  it("admin users / runners list who exists; for a user token they are a 403 envelope under --json", async () => {
    const users = await cliJson(["admin", "users"], asAdmin());
    expect(users.users).toEqual(expect.arrayContaining([expect.objectContaining({ name: "alice", active_tokens: 1 })]));
    const runners = await cliJson(["admin", "runners"], asAdmin());
    expect(runners.runners).toEqual(expect.arrayContaining([expect.objectContaining({ name: "laptop", repos: null })]));
    const refused = await cli(["admin", "users", "--json"], { BGAGENT_URL: server.url, BGAGENT_TOKEN: userToken }).catch((e) => e);
    expect(refused.code).toBe(1);
    expect(JSON.parse(refused.stdout).error).toMatchObject({ code: "FORBIDDEN", status: 403 });
  });

  it("admin put-repo without --blueprint keeps an onboarded repo's blueprint", async () => {
    const dir = mkdtempSync(join(tmpdir(), "bgagent-bp-"));
    writeFileSync(join(dir, "bp.json"), JSON.stringify({ approval_gate_cap: 7 }));
    await cliJson(["admin", "put-repo", "acme/kept", "--blueprint", join(dir, "bp.json")], asAdmin());
    expect(await cliJson(["admin", "put-repo", "acme/kept"], asAdmin())).toEqual({
      repo: "acme/kept",
      created: false,
      blueprint_kept: true,
    });
    const repos = (await http("GET", "/v1/repos", server.adminToken)).body.data.repos;
    expect(repos.find((r: { repo: string }) => r.repo === "acme/kept").blueprint.approval_gate_cap).toBe(7);
  });

  it("admin create-runner --repos: the runner never gets another team's task", async () => {
    const runner = await cliJson(["admin", "create-runner", "team-runner", "--repos", "team/*", "Team2/Web-?"], asAdmin());
    expect(runner.repos).toEqual(["team/*", "team2/web-?"]);
    expect(await cli(["admin", "create-runner", "r2", "--repos", "team/*"], asAdmin())).toContain("Takes only tasks of: team/*");
    await cliJson(["admin", "put-repo", "other/thing"], asAdmin());
    await cliJson(["admin", "put-repo", "team/app"], asAdmin());
    const outside = await cliJson(["submit", "other/thing", "not", "theirs"]);
    expect((await http("POST", "/v1/runner/claim", runner.token)).status).toBe(204);
    const inside = await cliJson(["submit", "team/app", "theirs"]);
    expect((await http("POST", "/v1/runner/claim", runner.token)).body.data.task.task_id).toBe(inside.task_id);
    expect((await cliJson(["status", outside.task_id])).status).toBe("SUBMITTED");
    await expect(cli(["admin", "create-runner", "bad", "--repos", "team"], asAdmin())).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/owner\/name/),
    });
  });

  it("slack unlink (your own) and admin unlink-slack (someone who left); relinking works after both", async () => {
    const link = () =>
      linkSlackUser({
        baseUrl: server.url,
        secret: "e2e-signing-secret",
        userToken,
        slackUser: "UCLILINK",
        responseUrl: "http://127.0.0.1:1/unused",
      });
    await link();
    expect(await cli(["slack", "unlink"])).toContain("Unlinked 1 Slack account(s).");
    expect(await cli(["slack", "unlink"])).toContain("No Slack account was linked.");
    await link();
    expect(await cli(["admin", "unlink-slack", "UCLILINK"], asAdmin())).toContain("Unlinked 1 Slack account(s).");
    await link();
    const me = (await http("GET", "/v1/tasks?limit=1", userToken)).body.data.tasks[0].user_id;
    expect(await cliJson(["admin", "unlink-slack", "--user", me], asAdmin())).toEqual({ unlinked: 1 });
    await expect(cli(["admin", "unlink-slack"], asAdmin())).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/Slack user id or --user/),
    });
    await expect(cli(["admin", "unlink-slack", "UCLILINK"], asAdmin())).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/not linked/),
    });
  });
});
