/**
 * `bgagent deploy` end to end against a fake `wrangler` on PATH (test/cli/support/fakeWrangler.mjs)
 * that records every call and answers like wrangler 4.86: what it runs, in which order, with which
 * stdin, what it writes, and that it changes nothing when it cannot (dry run, no login, no secrets).
 */
import { execFile, spawn, spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { beforeEach, describe, expect, it } from "vitest";

const root = join(import.meta.dirname, "..", "..");
const bin = join(root, "cli", "bin", "bgagent.mjs");
const exec = promisify(execFile);

interface State {
  databases: { uuid: string; name: string }[];
  queues: string[];
  secrets: string[] | null;
  loggedIn: boolean;
  failOn?: string;
  deployed?: boolean;
  calls: { argv: string[]; stdin?: string }[];
}

let dir = "";
let stateFile = "";
let fakeBin = "";

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "bgagent-deploy-"));
  fakeBin = join(dir, "bin");
  mkdirSync(fakeBin);
  copyFileSync(join(root, "test", "cli", "support", "fakeWrangler.mjs"), join(fakeBin, "wrangler"));
  copyFileSync(join(root, "wrangler.toml"), join(dir, "wrangler.toml"));
  stateFile = join(dir, "state.json");
  setState({ databases: [], queues: [], secrets: null, loggedIn: true, calls: [] });
});

const setState = (s: State) => writeFileSync(stateFile, JSON.stringify(s));
const state = (): State => JSON.parse(readFileSync(stateFile, "utf8"));
const calls = () => state().calls.map((c) => c.argv.join(" "));
const MUTATING = /^(d1 create|queues create|secret put|d1 migrations|deploy)/;

async function deploy(args: string[], env: Record<string, string> = {}) {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(ADMIN_TOKEN|SLACK_|GITHUB_)/.test(k))) as Record<
    string,
    string
  >;
  try {
    const r = await exec("node", [bin, "deploy", "--config", join(dir, "wrangler.toml"), ...args], {
      env: { ...clean, PATH: `${fakeBin}:${process.env.PATH}`, FAKE_WRANGLER_STATE: stateFile, ...env },
    });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

const SLACK = { SLACK_SIGNING_SECRET: "sig-secret-1", SLACK_BOT_TOKEN: "xoxb-1-2" };

describe("bgagent deploy --dry-run", () => {
  it("on a new account: the plan as JSON, the exact wrangler commands, and nothing changed", async () => {
    const r = await deploy(["--dry-run", "--json"]);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ dry_run: true, account_read: true, observed: { databases: [], queues: [], secrets: null } });
    expect(out.plan.steps.map((s: { command?: string; id: string }) => s.command ?? s.id)).toEqual([
      "wrangler d1 create bgagent",
      "wrangler queues create bgagent-dispatch",
      "wrangler queues create bgagent-dispatch-dlq",
      "write-config",
      "wrangler d1 migrations apply DB --remote --config wrangler.deploy.toml",
      "wrangler secret put ADMIN_TOKEN --config wrangler.deploy.toml",
      "wrangler secret put SLACK_SIGNING_SECRET --config wrangler.deploy.toml",
      "wrangler secret put SLACK_BOT_TOKEN --config wrangler.deploy.toml",
      "wrangler deploy --config wrangler.deploy.toml",
      "manifest",
    ]);
    expect(calls()).toEqual(["d1 list --json", "queues list", "secret list --config wrangler.toml"]);
    expect(existsSync(join(dir, "wrangler.deploy.toml"))).toBe(false);
  });

  it("without a Cloudflare login still plans (for a new account) and says why; as text", async () => {
    setState({ ...state(), loggedIn: false });
    const r = await deploy(["--dry-run"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("could not read the Cloudflare account");
    expect(r.stdout).toContain("$ wrangler d1 create bgagent");
    expect(r.stdout).toContain("SLACK_BOT_TOKEN          required  will set (prompt)");
    expect(r.stdout).toContain("(dry run: nothing was changed)");
    expect(calls().filter((c) => MUTATING.test(c))).toEqual([]);
  });
});

describe("bgagent deploy", () => {
  it("on a new account: creates the database and queues, writes the deploy config, migrates, sets secrets, deploys, prints the manifest", async () => {
    const r = await deploy(["--json"], SLACK);
    expect(r.stderr).not.toContain("sig-secret-1");
    expect(r.code).toBe(0);
    const s = state();
    const db = s.databases.find((d) => d.name === "bgagent")!;
    expect(s.calls.map((c) => c.argv.join(" "))).toEqual([
      "d1 list --json",
      "queues list",
      "secret list --config wrangler.toml",
      "d1 create bgagent",
      "d1 list --json",
      "queues create bgagent-dispatch",
      "queues create bgagent-dispatch-dlq",
      "d1 migrations apply DB --remote --config wrangler.deploy.toml",
      "secret put ADMIN_TOKEN --config wrangler.deploy.toml",
      "secret put SLACK_SIGNING_SECRET --config wrangler.deploy.toml",
      "secret put SLACK_BOT_TOKEN --config wrangler.deploy.toml",
      "deploy --config wrangler.deploy.toml",
    ]);
    const stdinOf = (name: string) => s.calls.find((c) => c.argv[2] === name)?.stdin;
    expect(stdinOf("SLACK_SIGNING_SECRET")).toBe("sig-secret-1");
    expect(stdinOf("SLACK_BOT_TOKEN")).toBe("xoxb-1-2");
    const out = JSON.parse(r.stdout);
    expect(stdinOf("ADMIN_TOKEN")).toBe(out.admin_token);
    expect(out.admin_token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    // Printed the moment it is set, so a failure in a later step cannot lose it.
    expect(r.stderr).toContain(`ADMIN_TOKEN (generated; shown once, keep it for bgagent admin and stats): ${out.admin_token}`);
    expect(out).toMatchObject({ url: "https://bgagent.acme-team.workers.dev", database_id: db.uuid, config: "wrangler.deploy.toml" });
    expect(out.slack_manifest).toContain("url: https://bgagent.acme-team.workers.dev/slack/commands");
    expect(out.slack_manifest).not.toContain("YOUR-HOST");

    const generated = readFileSync(join(dir, "wrangler.deploy.toml"), "utf8");
    expect(generated).toContain(`database_id = "${db.uuid}"`);
    expect(generated.startsWith("# Generated by `bgagent deploy`")).toBe(true);
    // The dev config stays as it was, so `npm start` and the tests keep their local database.
    expect(readFileSync(join(dir, "wrangler.toml"), "utf8")).toBe(readFileSync(join(root, "wrangler.toml"), "utf8"));
  });

  it("again on a set-up account: creates nothing, keeps the secrets, migrates and deploys", async () => {
    const uuid = "6f0e8a52-1111-4222-8333-944455556666";
    setState({
      ...state(),
      databases: [
        { uuid: "0a0a0a0a-0000-4000-8000-000000000000", name: "other" },
        { uuid, name: "bgagent" },
      ],
      queues: ["bgagent-dispatch", "bgagent-dispatch-dlq", "unrelated"],
      secrets: ["ADMIN_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_BOT_TOKEN"],
    });
    const r = await deploy([]);
    expect(r.code).toBe(0);
    expect(calls().filter((c) => MUTATING.test(c))).toEqual([
      "d1 migrations apply DB --remote --config wrangler.deploy.toml",
      "deploy --config wrangler.deploy.toml",
    ]);
    expect(readFileSync(join(dir, "wrangler.deploy.toml"), "utf8")).toContain(`database_id = "${uuid}"`);
    expect(r.stdout).toContain("Deployed to https://bgagent.acme-team.workers.dev.");
    expect(r.stdout).toContain("request_url: https://bgagent.acme-team.workers.dev/slack/events");
    expect(r.stderr).not.toContain("ADMIN_TOKEN (generated");
  });

  it("a GitHub token in the environment is set too; --url overrides the workers.dev URL in the manifest", async () => {
    const r = await deploy(["--url", "https://agents.example.com/", "--json"], { ...SLACK, GITHUB_TOKEN: "github_pat_x" });
    expect(r.code).toBe(0);
    expect(state().calls.find((c) => c.argv[2] === "GITHUB_TOKEN")?.stdin).toBe("github_pat_x");
    const out = JSON.parse(r.stdout);
    expect(out.url).toBe("https://agents.example.com/");
    expect(out.slack_manifest).toContain("https://agents.example.com/slack/interactions");
  });

  it("missing required secrets and no terminal: refuses before changing anything", async () => {
    const r = await deploy(["--json"], { SLACK_BOT_TOKEN: "xoxb-only" });
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).error).toMatchObject({ code: "MISSING_SECRETS", message: expect.stringContaining("SLACK_SIGNING_SECRET") });
    expect(calls().filter((c) => MUTATING.test(c))).toEqual([]);
  });

  it("not logged in: refuses with how to log in, changes nothing", async () => {
    setState({ ...state(), loggedIn: false });
    const r = await deploy([], SLACK);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("npx wrangler login");
    expect(calls().filter((c) => MUTATING.test(c))).toEqual([]);
  });

  it("stops at the first wrangler failure and shows its error", async () => {
    setState({ ...state(), failOn: "queues create" });
    const r = await deploy([], SLACK);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("wrangler queues create bgagent-dispatch failed");
    expect(r.stderr).toContain("A request to the Cloudflare API failed");
    expect(calls().filter((c) => MUTATING.test(c))).toEqual(["d1 create bgagent", "queues create bgagent-dispatch"]);
    expect(state().deployed).toBeUndefined();
  });

  it("refuses a non-https --url before touching the account", async () => {
    const r = await deploy(["--url", "http://example.com"], SLACK);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("--url must be https");
    expect(calls()).toEqual([]);
  });
});

// `script` (util-linux) gives the CLI a terminal, as when a person runs `npm run deploy`.
const hasScript = spawnSync("script", ["--version"]).status === 0;

describe.skipIf(!hasScript)("bgagent deploy in a terminal", () => {
  it("asks for each missing required secret with hidden input and sets what was typed", async () => {
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(ADMIN_TOKEN|SLACK_|GITHUB_)/.test(k)));
    const cmd = `node ${bin} deploy --config ${join(dir, "wrangler.toml")}`;
    const child = spawn("script", ["-qec", cmd, "/dev/null"], {
      env: { ...env, PATH: `${fakeBin}:${process.env.PATH}`, FAKE_WRANGLER_STATE: stateFile },
    });
    let seen = "";
    const typed = new Set<string>();
    child.stdout.on("data", (b: Buffer) => {
      seen += b.toString();
      // Matched on the prompt's own text: the plan printed before it names the secrets too.
      for (const [prompt, value] of [
        ["SLACK_SIGNING_SECRET (Slack app", "sig-typed"],
        ["SLACK_BOT_TOKEN (Slack app", "xoxb-typed"],
      ]) {
        if (seen.includes(prompt) && !typed.has(prompt)) {
          typed.add(prompt);
          child.stdin.write(`${value}\r`);
        }
      }
    });
    const code = await new Promise((r) => child.on("exit", r));
    expect(code).toBe(0);
    const stdinOf = (name: string) => state().calls.find((c) => c.argv[2] === name)?.stdin;
    expect(stdinOf("SLACK_SIGNING_SECRET")).toBe("sig-typed");
    expect(stdinOf("SLACK_BOT_TOKEN")).toBe("xoxb-typed");
    expect(seen).not.toContain("sig-typed"); // not echoed
    expect(state().deployed).toBe(true);
  });
});
