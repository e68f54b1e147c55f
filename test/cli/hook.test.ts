/**
 * `bgagent hook pre-tool-use | stop` as Claude Code runs them: a process per call, hook JSON on
 * stdin (recorded payloads), a fake gate service. Every failure must print a deny and exit 0.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";

const root = join(import.meta.dirname, "..", "..");
const bin = join(root, "cli", "bin", "bgagent.mjs");
const payloads = JSON.parse(readFileSync(join(import.meta.dirname, "payloads", "claude-code.json"), "utf8"));
const TASK = "01JTASKAAAAAAAAAAAAAAAAAAA";

type Handler = (req: IncomingMessage, body: any) => { status: number; body: unknown } | Promise<{ status: number; body: unknown }>;
let server: Server;
let url = "";
let handler: Handler;
let seen: Array<{ method: string; path: string; body: any; auth?: string }> = [];

beforeAll(async () => {
  server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    let text = "";
    for await (const c of req) text += c;
    const body = text ? JSON.parse(text) : null;
    seen.push({ method: req.method!, path: req.url!, body, auth: req.headers.authorization });
    const r = await handler(req, body);
    res.writeHead(r.status, { "content-type": "application/json" }).end(JSON.stringify(r.body));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(() => new Promise((r) => server.close(() => r(undefined))));
beforeEach(() => {
  seen = [];
});

function runHook(
  which: string,
  stdin: string,
  env: Record<string, string | undefined> = {},
): Promise<{ code: number; out: string; ms: number }> {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn("node", [bin, "hook", which], {
      env: { PATH: process.env.PATH, BGAGENT_URL: url, BGAGENT_TASK_ID: TASK, BGAGENT_TASK_TOKEN: "bgt_test", ...env },
    });
    let out = "";
    child.stdout.on("data", (c) => (out += c));
    child.on("exit", (code) => resolve({ code: code ?? -1, out, ms: Date.now() - started }));
    child.stdin.end(stdin);
  });
}

const decisionOf = (out: string) => JSON.parse(out).hookSpecificOutput;
const gate = (outcome: string, extra: Record<string, unknown> = {}) => ({
  status: 200,
  body: { data: { outcome, reason: `gate says ${outcome}`, matching_rule_ids: [], ...extra } },
});

describe("PreToolUse hook with recorded Claude Code payloads", () => {
  it("Read: relativises the path under cwd and allows", async () => {
    handler = () => gate("allow");
    const r = await runHook("pre-tool-use", JSON.stringify(payloads.Read));
    expect(r.code).toBe(0);
    expect(decisionOf(r.out)).toEqual({
      hookEventName: "PreToolUse",
      permissionDecision: "allow",
      permissionDecisionReason: "gate says allow",
    });
    expect(seen[0]).toMatchObject({ method: "POST", path: `/v1/tasks/${TASK}/gate`, auth: "Bearer bgt_test" });
    expect(seen[0].body).toEqual({
      tool_name: "Read",
      tool_input: { file_path: "src/login.test.ts", offset: 1, limit: 200 },
      context: { cwd: "/work/widgets", repo_dir: "/work/widgets" },
    });
  });

  it("tells the gate where the call runs: cwd, the working copy, HOME and TMPDIR", async () => {
    handler = () => gate("allow");
    const env = { BGAGENT_REPO_DIR: "/work/widgets", HOME: "/home/agent", TMPDIR: "/tmp/task-1" };
    await runHook("pre-tool-use", JSON.stringify({ ...payloads.Read, cwd: "/work/widgets/.git" }), env);
    expect(seen[0].body.context).toEqual({
      cwd: "/work/widgets/.git",
      repo_dir: "/work/widgets",
      home: "/home/agent",
      tmpdir: "/tmp/task-1",
    });
  });

  it("Write: denies with the gate's reason", async () => {
    handler = () => gate("deny", { reason: "Hard-deny: x" });
    const r = await runHook("pre-tool-use", JSON.stringify(payloads.Write));
    expect(decisionOf(r.out)).toMatchObject({ permissionDecision: "deny", permissionDecisionReason: "Hard-deny: x" });
    expect(seen[0].body.tool_input.file_path).toBe(".env");
  });

  it("Edit: keeps a path outside the repository absolute, so the gate sees it as outside", async () => {
    handler = () => gate("allow");
    await runHook("pre-tool-use", JSON.stringify(payloads.Edit));
    expect(seen[0].body.tool_input.file_path).toBe("/etc/hosts");
  });

  it("Bash: waits through require_approval and pending polls, then allows", async () => {
    let polls = 0;
    handler = (req) => {
      if (req.method === "POST")
        return gate("require_approval", {
          request_id: "01JREQAAAAAAAAAAAAAAAAAAAA",
          expires_at: new Date(Date.now() + 60_000).toISOString(),
        });
      polls++;
      return {
        status: 200,
        body: { data: polls < 3 ? { outcome: "pending", reason: "waiting" } : { outcome: "allow", reason: "User approved (this_call)" } },
      };
    };
    const r = await runHook("pre-tool-use", JSON.stringify(payloads.Bash));
    expect(decisionOf(r.out)).toMatchObject({ permissionDecision: "allow", permissionDecisionReason: "User approved (this_call)" });
    expect(seen.filter((s) => s.method === "GET").map((s) => s.path)).toEqual(
      Array(3).fill(`/v1/tasks/${TASK}/approvals/01JREQAAAAAAAAAAAAAAAAAAAA?wait=25`),
    );
  });

  it.each([
    [
      "the service is unreachable",
      () => ({}),
      { BGAGENT_URL: "http://127.0.0.1:9", BGAGENT_HOOK_CONNECT_RETRY_S: "1" },
      /gate unavailable \(cannot reach the service \(ECONNREFUSED\)\)/,
    ],
    [
      "the token is rejected",
      () => ({ status: 401, body: { error: { code: "UNAUTHORIZED", message: "Invalid or revoked token." } } }),
      {},
      /UNAUTHORIZED/,
    ],
    ["the service answers garbage", () => ({ status: 200, body: "<html>" }), {}, /fail-closed/],
    ["the environment is missing", () => gate("allow"), { BGAGENT_TASK_TOKEN: undefined }, /must be set/],
  ] as const)("denies (exit 0) when %s", async (_what, h, env, re) => {
    handler = h as Handler;
    const r = await runHook("pre-tool-use", JSON.stringify(payloads.Bash), env);
    expect(r.code).toBe(0);
    expect(decisionOf(r.out).permissionDecision).toBe("deny");
    expect(decisionOf(r.out).permissionDecisionReason).toMatch(re);
  });

  it.each([
    ["not JSON", "{oops"],
    ["no tool", "{}"],
    ["empty", ""],
  ])("denies bad input (%s)", async (_w, input) => {
    handler = () => gate("allow");
    const r = await runHook("pre-tool-use", input);
    expect(r.code).toBe(0);
    expect(decisionOf(r.out)).toMatchObject({ permissionDecision: "deny" });
    expect(seen).toHaveLength(0);
  });

  it("denies when the approval expires without a decision", async () => {
    handler = (req) =>
      req.method === "POST"
        ? gate("require_approval", { request_id: "01JREQAAAAAAAAAAAAAAAAAAAA", expires_at: new Date(Date.now() - 20_000).toISOString() })
        : { status: 200, body: { data: { outcome: "pending", reason: "w" } } };
    const r = await runHook("pre-tool-use", JSON.stringify(payloads.Bash));
    expect(decisionOf(r.out).permissionDecisionReason).toMatch(/no decision for request .* before it expired/);
  });
});

describe("Stop hook", () => {
  it("blocks once with the denials from the runner's file and the service, then says nothing", async () => {
    const dir = mkdtempSync(join(tmpdir(), "bgagent-stop-"));
    const file = join(dir, "denials");
    writeFileSync(file, '<user_denial request_id="A" decided_at="t">from file</user_denial>\n\u0000\n');
    let first = true;
    handler = () => {
      const denials = first ? ['<user_denial request_id="B" decided_at="t">from service</user_denial>'] : [];
      first = false;
      return { status: 200, body: { data: { status: "RUNNING", cancel_requested: false, denials } } };
    };
    const r = await runHook("stop", JSON.stringify({ hook_event_name: "Stop", stop_hook_active: false }), { BGAGENT_DENIALS_FILE: file });
    const out = JSON.parse(r.out);
    expect(out.decision).toBe("block");
    expect(out.reason).toContain("from file");
    expect(out.reason).toContain("from service");
    expect(readFileSync(file, "utf8")).toBe("");
    const again = await runHook("stop", "{}", { BGAGENT_DENIALS_FILE: file });
    expect(again.out).toBe("");
    expect(again.code).toBe(0);
  });
});
