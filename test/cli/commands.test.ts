/**
 * CLI behaviour a first user meets, against a fake bgagent API on 127.0.0.1 (the service's own
 * answers are covered by the workers tests): durations, admin listings, put-repo without a
 * blueprint, errors as the envelope under --json, deny's reason flags, policies list --tier.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ago, humanDuration, timeLeft } from "../../cli/src/output";

const root = join(import.meta.dirname, "..", "..");
const bin = join(root, "cli", "bin", "bgagent.mjs");
const exec = promisify(execFile);

interface Seen {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
}
type Answer = { status: number; body?: unknown };
let routes: Record<string, (seen: Seen) => Answer> = {};
let seen: Seen[] = [];
let server: Server;
let url = "";

beforeAll(async () => {
  server = createServer(async (req, res) => {
    let text = "";
    for await (const c of req) text += c;
    const s: Seen = { method: req.method!, path: req.url!, headers: req.headers, body: text ? JSON.parse(text) : undefined };
    seen.push(s);
    const route = routes[`${req.method} ${req.url!.split("?")[0]}`];
    const a = route ? route(s) : { status: 404, body: { error: { code: "NOT_FOUND", message: "no such route", request_id: "r1" } } };
    res.writeHead(a.status, { "content-type": "application/json" });
    res.end(a.body === undefined ? "" : JSON.stringify(a.body));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));
beforeEach(() => {
  routes = {};
  seen = [];
});

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await exec("node", [bin, ...args], { env: { ...process.env, BGAGENT_URL: url, BGAGENT_TOKEN: "t0ken" } });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}
const data = (d: unknown): Answer => ({ status: 200, body: { data: d } });
const iso = (msFromNow: number) => new Date(Date.now() + msFromNow).toISOString();

describe("human durations", () => {
  it.each([
    [0, "0s"],
    [45, "45s"],
    [60, "1m"],
    [290, "4m 50s"],
    [3600, "1h"],
    [3725, "1h 2m"],
    [90061, "1d 1h"],
    [-5, "0s"],
  ])("%ss reads %s", (s, want) => expect(humanDuration(s)).toBe(want));

  it("counts down, and says expired (or the given word) once the deadline passed, never a negative number", () => {
    const now = Date.parse("2026-11-30T12:00:00Z");
    expect(timeLeft("2026-11-30T12:04:50Z", now)).toBe("4m 50s left");
    expect(timeLeft("2026-11-30T11:55:10Z", now)).toBe("expired");
    expect(timeLeft("2026-11-30T12:00:00Z", now, "timing out")).toBe("timing out");
    expect(ago("2026-11-30T11:55:10Z", now)).toBe("4m 50s ago");
    expect(ago("2026-11-30T12:00:30Z", now)).toBe("just now");
  });

  it("pending prints what is left, and 'timing out' for a request past its deadline", async () => {
    const p = (id: string, expires_at: string) => ({
      task_id: "T1",
      request_id: id,
      repo: "acme/w",
      tool_name: "Bash",
      tool_input_preview: "git push -f",
      severity: "high",
      reason: "Soft-deny: force_push_any",
      expires_at,
    });
    routes["GET /v1/pending"] = () => data({ pending: [p("R1", iso(290_500)), p("R2", iso(-290_000))] });
    const r = await cli(["pending"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/\(4m 5\ds left\)/);
    expect(r.stdout).toContain("(timing out)");
    expect(r.stdout).not.toMatch(/-\d+s/);
  });
});

describe("admin users / runners", () => {
  it("lists users in a table", async () => {
    routes["GET /v1/admin/users"] = () =>
      data({ users: [{ user_id: "U1", name: "alice", created_at: iso(-7_200_000), active_tokens: 2 }] });
    const r = await cli(["admin", "users"]);
    expect(r.stdout).toMatch(/USER\s+NAME\s+TOKENS\s+CREATED/);
    expect(r.stdout).toMatch(/U1\s+alice\s+2\s+2h ago/);
  });

  it("lists runners with their repos, 'any' when unlimited; --json is the API's answer", async () => {
    const runners = [
      { runner_id: "R1", name: "ci", created_at: iso(-600_000), active_tokens: 1, repos: ["acme/*"] },
      { runner_id: "R2", name: "laptop", created_at: iso(-600_000), active_tokens: 0, repos: null },
    ];
    routes["GET /v1/admin/runners"] = () => data({ runners });
    const r = await cli(["admin", "runners"]);
    expect(r.stdout).toMatch(/R1\s+ci\s+1\s+10m( \d+s)? ago\s+acme\/\*/);
    expect(r.stdout).toMatch(/R2\s+laptop\s+0\s+10m( \d+s)? ago\s+any/);
    expect(JSON.parse((await cli(["admin", "runners", "--json"])).stdout)).toEqual({ runners });
  });
});

describe("admin put-repo", () => {
  it("without --blueprint only onboards (If-None-Match: *) and keeps an existing repo's blueprint", async () => {
    routes["PUT /v1/repos/acme/w"] = () => ({
      status: 409,
      body: { error: { code: "CONFLICT", message: "Repo acme/w is already onboarded; its blueprint was kept.", request_id: "r" } },
    });
    const r = await cli(["admin", "put-repo", "acme/w"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("already onboarded; its blueprint was kept");
    expect(seen).toHaveLength(1);
    expect(seen[0].headers["if-none-match"]).toBe("*");
    expect(JSON.parse((await cli(["admin", "put-repo", "acme/w", "--json"])).stdout)).toEqual({
      repo: "acme/w",
      created: false,
      blueprint_kept: true,
    });
  });

  it("without --blueprint onboards a new repo", async () => {
    routes["PUT /v1/repos/acme/new"] = () => ({ status: 201, body: { data: { repo: "acme/new", blueprint: {} } } });
    const r = await cli(["admin", "put-repo", "acme/new"]);
    expect(r.stdout).toContain("Repo acme/new onboarded with the default blueprint.");
  });

  it("with --blueprint replaces (no If-None-Match)", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "bgagent-bp-")), "bp.json");
    writeFileSync(file, JSON.stringify({ approval_gate_cap: 9 }));
    routes["PUT /v1/repos/acme/w"] = (s) => data({ repo: "acme/w", blueprint: s.body });
    const r = await cli(["admin", "put-repo", "acme/w", "--blueprint", file]);
    expect(r.code).toBe(0);
    expect(seen[0].headers["if-none-match"]).toBeUndefined();
    expect(seen[0].body).toEqual({ approval_gate_cap: 9 });
  });
});

describe("errors", () => {
  it("under --json: the error envelope on stdout and exit 1", async () => {
    routes["PUT /v1/repos/acme/w"] = () => ({
      status: 400,
      body: { error: { code: "VALIDATION_ERROR", message: "approvers: no such user U9", request_id: "r" } },
    });
    const file = join(mkdtempSync(join(tmpdir(), "bgagent-bp-")), "bp.json");
    writeFileSync(file, JSON.stringify({ approvers: ["U9"] }));
    const r = await cli(["admin", "put-repo", "acme/w", "--blueprint", file, "--json"]);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toEqual({ error: { code: "VALIDATION_ERROR", message: "approvers: no such user U9", status: 400 } });
  });

  it("under --json: usage errors (missing argument, bad flag) are the envelope too", async () => {
    const missing = await cli(["status", "--json"]);
    expect(missing.code).not.toBe(0);
    expect(JSON.parse(missing.stdout).error).toMatchObject({
      code: "USAGE",
      message: expect.stringContaining("missing required argument"),
    });
    expect(missing.stderr).toBe("");
  });

  it("under --json: an unreachable service is the envelope with its code", async () => {
    const r = await exec("node", [bin, "pending", "--json"], {
      env: { ...process.env, BGAGENT_URL: "http://127.0.0.1:9", BGAGENT_TOKEN: "x" },
    }).catch((e) => e);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).error.code).toBe("UNREACHABLE");
  });

  it("without --json: one line on stderr, exit 1", async () => {
    routes["GET /v1/pending"] = () => ({ status: 401, body: { error: { code: "UNAUTHORIZED", message: "Bad token.", request_id: "r" } } });
    const r = await cli(["pending"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe("bgagent: Bad token. [UNAUTHORIZED]\n");
  });
});

describe("deny", () => {
  it("--reason with --reason-file is a usage error and nothing is sent", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "bgagent-reason-")), "why.txt");
    writeFileSync(file, "from the file");
    routes["POST /v1/tasks/T1/deny"] = () => ({ status: 202, body: { data: { status: "DENIED" } } });
    const r = await cli(["deny", "T1", "R1", "--reason", "inline", "--reason-file", file, "--json"]);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).error).toMatchObject({ code: "USAGE", message: expect.stringContaining("not both") });
    expect(seen).toHaveLength(0);
  });

  it("--reason-file alone sends the file's text", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "bgagent-reason-")), "why.txt");
    writeFileSync(file, "from the file");
    routes["POST /v1/tasks/T1/deny"] = () => ({ status: 202, body: { data: { status: "DENIED" } } });
    expect((await cli(["deny", "T1", "R1", "--reason-file", file])).code).toBe(0);
    expect(seen[0].body).toEqual({ request_id: "R1", reason: "from the file" });
  });
});

describe("policies list --tier", () => {
  const rule = (rule_id: string, tier: string, builtin: boolean) => ({
    rule_id,
    tier,
    builtin,
    summary: rule_id,
    severity: "medium",
    timeout_s: tier === "soft" ? 600 : null,
    category: null,
    disabled: false,
  });
  beforeEach(() => {
    routes["GET /v1/repos/acme/w/policies"] = () =>
      data({
        repo_id: "acme/w",
        policies: {
          hard: [rule("hard_builtin", "hard", true), rule("hard_repo", "hard", false)],
          soft: [rule("soft_builtin", "soft", true), rule("soft_repo", "soft", false)],
        },
        warnings: [],
      });
  });
  const ids = async (tier?: string) => {
    const r = JSON.parse((await cli(["policies", "list", "--repo", "acme/w", "--json", ...(tier ? ["--tier", tier] : [])])).stdout);
    return [...r.policies.hard, ...r.policies.soft].map((x: { rule_id: string }) => x.rule_id);
  };

  it.each([
    [undefined, ["hard_builtin", "hard_repo", "soft_builtin", "soft_repo"]],
    ["hard", ["hard_builtin", "hard_repo"]],
    ["soft", ["soft_builtin", "soft_repo"]],
    ["blueprint", ["hard_repo", "soft_repo"]],
  ])("--tier %s", async (tier, want) => expect(await ids(tier)).toEqual(want));

  it("shows timeouts as durations and refuses an unknown tier", async () => {
    expect((await cli(["policies", "list", "--repo", "acme/w", "--tier", "soft"])).stdout).toMatch(/soft_repo\s+medium\s+10m\s+/);
    const bad = await cli(["policies", "list", "--repo", "acme/w", "--tier", "medium"]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("--tier must be one of hard, soft, blueprint");
  });
});
