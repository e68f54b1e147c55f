/**
 * A hostile agent (test/e2e/evilAgent.mjs) under the real `bgagent runner`, against `wrangler dev`
 * with a fake Slack and GitHub: it holds nothing but its own task's token, cannot use it on any
 * other route, its hostile text reaches people only escaped, and rewriting its gate ends the task
 * (gate_tampered). Run plain, with --agent-user, with --sandbox, and with both; sandboxed it also
 * cannot write outside its working copy or read the runner's HOME, even through `npm test`.
 */
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DevServer, startDevServer } from "../../cli/dev/devServer.mjs";
import { request } from "../../cli/dev/http.mjs";
import { bareRepo, linkSlackUser, slackPost, startRunner, until } from "../../cli/dev/support/e2e";
import { type FakeApiServer, startFakeApiServer } from "../../cli/dev/support/fakeApiServer";
import { githubLive, slackLive } from "../helpers/liveMarkup";

const SECRET = "e2e-signing-secret";
const EVIL = join(import.meta.dirname, "evilAgent.mjs");
const AGENT_USER = "bgagent-evil";
/** What the agent may see: the runner's allowlist, the names passed with --pass-env, and what sh adds. */
const ALLOWED_ENV = new Set([
  ...["URL", "TASK_ID", "TASK_TOKEN", "REPO", "PROMPT", "DENIALS_FILE", "REPO_DIR", "CLAUDE_SETTINGS"].map((n) => `BGAGENT_${n}`),
  ...["PATH", "LANG", "TERM", "HOME", "TMPDIR", "PWD", "SHLVL", "OLDPWD", "_"],
  ...["ANTHROPIC_API_KEY", "VICTIM_TASK_ID", "EVIL_PROBE_READ", "EVIL_PROBE_PROC", "EVIL_OUTSIDE"],
]);

let server: DevServer;
let apis: FakeApiServer;
let tmp: string;
let user: { user_id: string; token: string };
let other: { user_id: string; token: string };
let runnerToken: string;
let runnerHome: string;
let runnerConfig: string;
let issue = 40;

const http = (method: string, path: string, token: string, body?: unknown) => request(method, `${server.url}${path}`, { token, body });

/** Why a mode cannot run here, or null. Printed, so a skip is never silent. */
function sandboxUnavailable(): string | null {
  const r = spawnSync(
    "bwrap",
    ["--unshare-user", "--unshare-pid", "--cap-drop", "ALL", "--ro-bind", "/", "/", "--proc", "/proc", "--dev", "/dev", "true"],
    { encoding: "utf8" },
  );
  if (r.error) return `bubblewrap is not installed (${r.error.message}); apt-get install -y bubblewrap`;
  return r.status === 0 ? null : `bwrap cannot create namespaces here: ${r.stderr.trim()}`;
}
function agentUserUnavailable(): string | null {
  if (process.getuid?.() !== 0) return "--agent-user needs the runner to run as root; this test run is not root";
  if (spawnSync("id", ["-u", AGENT_USER]).status !== 0) {
    const r = spawnSync("useradd", ["--system", "--no-create-home", "--shell", "/usr/sbin/nologin", AGENT_USER], { encoding: "utf8" });
    if (r.status !== 0) return `could not create the user ${AGENT_USER}: ${r.stderr || r.error?.message}`;
  }
  return null;
}
const noSandbox = sandboxUnavailable();
const noAgentUserAlone = agentUserUnavailable();
const noAgentUser = noSandbox ?? noAgentUserAlone;
if (noSandbox) console.warn(`SKIPPED evil agent with --sandbox: ${noSandbox}`);
if (noAgentUserAlone) console.warn(`SKIPPED evil agent with --agent-user: ${noAgentUserAlone}`);
if (noAgentUser) console.warn(`SKIPPED evil agent with --sandbox --agent-user: ${noAgentUser}`);

beforeAll(async () => {
  apis = await startFakeApiServer();
  server = await startDevServer({
    vars: {
      SLACK_BOT_TOKEN: "xoxb-e2e",
      SLACK_API_BASE_URL: apis.slackBaseUrl,
      GITHUB_TOKEN: "ghs_e2e",
      GITHUB_API_BASE_URL: apis.githubBaseUrl,
    },
  });
  tmp = mkdtempSync(join(tmpdir(), "bgagent-evil-"));
  chmodSync(tmp, 0o755); // an agent user must reach the working copies below it
  bareRepo(tmp);
  user = (await http("POST", "/v1/admin/users", server.adminToken, { name: "dev" })).body.data;
  other = (await http("POST", "/v1/admin/users", server.adminToken, { name: "victim" })).body.data;
  runnerToken = (await http("POST", "/v1/admin/runners", server.adminToken, { name: "evil-e2e" })).body.data.token;
  await http("PUT", "/v1/repos/acme/widgets", server.adminToken, {});
  await linkSlackUser({
    baseUrl: server.url,
    secret: SECRET,
    userToken: user.token,
    slackUser: "UEVIL",
    responseUrl: apis.responseUrl("link"),
  });
  // The runner's own login, where `bgagent login` would keep it.
  runnerHome = join(tmp, "runner-home");
  runnerConfig = join(runnerHome, ".config", "bgagent", "config.json");
  mkdirSync(join(runnerHome, ".config", "bgagent"), { recursive: true });
  writeFileSync(runnerConfig, JSON.stringify({ url: server.url, token: runnerToken }), { mode: 0o600 });
}, 120_000);
afterAll(async () => {
  await server?.stop();
  await apis?.stop();
});

/** Another user's task, claimed and running: the agent must not be able to touch it. */
async function victimTask(name: string) {
  const id: string = (await http("POST", "/v1/tasks", other.token, { repo: "acme/widgets", description: `victim ${name}` })).body.data
    .task_id;
  const claimed = await http("POST", "/v1/runner/claim?wait=2", runnerToken);
  expect(claimed.body.data.task.task_id).toBe(id);
  const token: string = claimed.body.data.task_token;
  expect((await http("POST", `/v1/tasks/${id}/events`, token, { type: "session_started" })).status).toBe(202);
  return { id, token };
}

async function evilRun(name: string, args: string[], sandboxed: boolean) {
  const victim = await victimTask(name);
  const n = ++issue;
  const channel = `CEVIL${n}`;
  const workdir = join(tmp, `work-${name}`);
  const probes = sandboxed ? ["EVIL_PROBE_READ", "EVIL_PROBE_PROC", "EVIL_OUTSIDE"] : [];
  const runner = startRunner({
    url: server.url,
    token: runnerToken,
    workdir,
    reposDir: tmp,
    agent: `node ${JSON.stringify(EVIL)}`,
    args: [...args, ...["VICTIM_TASK_ID", "ANTHROPIC_API_KEY", ...probes].flatMap((v) => ["--pass-env", v])],
    env: {
      HOME: runnerHome,
      BGAGENT_CONFIG: runnerConfig,
      AWS_SECRET_ACCESS_KEY: "runner-only-secret",
      ANTHROPIC_API_KEY: "sk-ant-passed-on-purpose",
      VICTIM_TASK_ID: victim.id,
      EVIL_PROBE_READ: `${runnerHome}:${runnerConfig}`,
      EVIL_PROBE_PROC: "1",
      EVIL_OUTSIDE: tmp,
    },
  });
  const ts = `${Math.floor(Date.now() / 1000)}.000${n}`;
  const ev = {
    type: "event_callback",
    team_id: "T1",
    event_id: `EvEvil${n}`,
    event: { type: "app_mention", user: "UEVIL", text: `<@UBOT> acme/widgets#${n} evil ${name}`, channel, ts },
  };
  expect((await slackPost(server.url, SECRET, "/slack/events", JSON.stringify(ev), "application/json")).status).toBe(200);
  const id: string = await until(
    "task from the mention",
    async () =>
      (await http("GET", "/v1/tasks?limit=5", user.token)).body.data.tasks.find(
        (t: { description: string }) => t.description === `evil ${name}`,
      )?.id,
  );
  expect(await runner.exited).toBe(0);
  const task = await until("FAILED", async () => {
    const t = (await http("GET", `/v1/tasks/${id}`, user.token)).body.data;
    return t.status === "FAILED" ? t : null;
  });
  const events = (await http("GET", `/v1/tasks/${id}/events`, user.token)).body.data.events.map(
    (e: { event_type: string }) => e.event_type,
  );
  const report = JSON.parse(readFileSync(join(workdir, id, "evil-report.json"), "utf8"));
  const slackTexts = () => apis.fake.slackCalls("chat.postMessage").filter((c) => c.body.channel === channel);
  const comments = () => apis.fake.githubCalls().filter((c) => String(c.body?.body ?? "").includes(`task-id=${id}`));
  await until("the failure in Slack", () => slackTexts().some((c) => String(c.body.text).includes("Task failed")));
  await until("the failure on GitHub", () => comments().some((c) => String(c.body.body).includes("FAILED")));
  return { id, victim, workdir, task, events, report, runner, slackTexts, comments };
}

type Run = Awaited<ReturnType<typeof evilRun>>;

/** What holds in every mode: its own token only, useless elsewhere; hostile text escaped. */
async function expectContained(r: Run) {
  expect(r.report.env.filter((n: string) => !ALLOWED_ENV.has(n))).toEqual([]);
  expect(r.report.env).toContain("ANTHROPIC_API_KEY"); // --pass-env works
  expect(r.report.tokens.length).toBeGreaterThan(0);
  for (const t of r.report.tokens) expect(t.startsWith(`bgt_${r.id}_`)).toBe(true);
  expect(r.report.tokens).not.toContain(runnerToken);
  expect(r.report.attempts.length).toBeGreaterThanOrEqual(11);
  for (const a of r.report.attempts) expect([401, 403, 404]).toContain(a.status);
  for (const p of r.report.pr) expect(p.status).toBe(400);
  expect(r.task.pr_url).toBeNull();
  expect(r.report.agentError).toBe(202);
  // The victim task: untouched, still running; its runner can finish it.
  const victim = (await http("GET", `/v1/tasks/${r.victim.id}`, other.token)).body.data;
  expect(victim.status).toBe("RUNNING");
  const victimEvents = (await http("GET", `/v1/tasks/${r.victim.id}/events`, other.token)).body.data.events.map(
    (e: { event_type: string }) => e.event_type,
  );
  expect(victimEvents).toEqual(["task_created", "hydration_started", "session_started"]);
  expect((await http("POST", `/v1/tasks/${r.victim.id}/finish`, r.victim.token, { status: "COMPLETED" })).status).toBe(200);
  // People see the hostile text only escaped.
  await until("the agent_error in Slack", () => r.slackTexts().some((c) => String(c.body.text).includes("Agent error")));
  for (const c of r.slackTexts()) {
    expect(slackLive(String(c.body.text))).toEqual([]);
    expect(slackLive(JSON.stringify(c.body.blocks ?? []))).toEqual([]);
  }
  for (const c of r.comments()) expect(githubLive(String(c.body.body))).toEqual([]);
}

describe("an evil agent under the runner", () => {
  it("plain: holds only its task token, and rewriting its gate ends the task (gate_tampered)", async () => {
    const r = await evilRun("plain", [], false);
    await expectContained(r);
    expect(r.task.error_message).toMatch(/^gate_tampered: The agent changed its gate \(hook settings \(--settings file\)\)/);
    expect(r.events).toContain("gate_tampered");
    expect(r.runner.output()).toContain('"runner":"gate_tampered"');
    await until("gate_tampered in Slack", () => r.slackTexts().some((c) => String(c.body.text).includes("Gate tampered with")));
    await until("gate_tampered on GitHub", () => r.comments().some((c) => String(c.body.body).includes("**Gate tampered with**")));
  }, 90_000);

  it.skipIf(noAgentUserAlone)(
    "--agent-user alone: the runner's gate files are out of its reach; its own copy rewritten ends the task",
    async () => {
      const r = await evilRun("user-only", ["--agent-user", AGENT_USER], false);
      await expectContained(r);
      expect(r.report.tamper.slice(0, 2)).toEqual([
        expect.objectContaining({ ok: false, error: "EACCES" }),
        expect.objectContaining({ ok: false, error: "EACCES" }),
      ]);
      expect(r.task.error_message).toContain("gate_tampered: The agent changed its gate (the working copy's .claude/settings.local.json)");
      expect(r.events).toContain("gate_tampered");
    },
    90_000,
  );

  /** Sandboxed, the gate cannot be rewritten at all, and nothing outside the working copy is reachable. */
  async function expectSandboxed(r: Run) {
    await expectContained(r);
    expect(r.events).not.toContain("gate_tampered");
    expect(r.report.tamper).toHaveLength(5);
    for (const t of r.report.tamper) expect(t).toMatchObject({ ok: false });
    expect(r.report.writes).toHaveLength(4);
    expect(r.report.script.writes).toHaveLength(4);
    for (const w of [...r.report.writes, ...r.report.script.writes]) expect(w).toMatchObject({ ok: false });
    for (const w of [...r.report.writes, ...r.report.script.writes]) expect(existsSync(w.path)).toBe(false);
    // The runner's HOME is hidden (absent, or an empty tmpfs); its config cannot be read.
    for (const p of [runnerHome, runnerConfig]) {
      const read = r.report.reads.find((x: { path: string }) => x.path === p);
      expect(read.ok === false || read.entries === 0).toBe(true);
    }
    expect(r.report.script.reads).toHaveLength(2);
    for (const x of r.report.script.reads) expect(x).toMatchObject({ ok: false });
    // It failed on its own (exit 3), with hostile text in the tail: shown, in code, on GitHub.
    expect(r.task.error_message).toMatch(/^agent exited with code 3: /);
    expect(r.task.error_message).toContain("<!channel>");
    await until("the error tail on GitHub", () => r.comments().some((c) => String(c.body.body).includes("<!channel>")));
  }

  it.skipIf(noSandbox)(
    "--sandbox: cannot rewrite its gate, write outside the working copy or read the runner's HOME",
    async () => {
      await expectSandboxed(await evilRun("sandbox", ["--sandbox"], true));
    },
    90_000,
  );

  it.skipIf(noAgentUser)(
    "--sandbox --agent-user: the same, as an unprivileged user",
    async () => {
      const r = await evilRun("agent-user", ["--sandbox", "--agent-user", AGENT_USER], true);
      await expectSandboxed(r);
      const uid = Number(spawnSync("id", ["-u", AGENT_USER], { encoding: "utf8" }).stdout.trim());
      expect(statSync(join(r.workdir, r.id, "evil-report.json")).uid).toBe(uid);
    },
    90_000,
  );
});
