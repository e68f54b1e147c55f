import { describe, expect, it } from "vitest";
import type { CedarApi } from "../../src/policy/cedar";
import { BUILTIN_POLICIES, workerCedar } from "../../src/policy/cedarWorker";
import { checkContext, evaluate, FORCE_CEDAR, type GateCall } from "../../src/policy/evaluate";
import { loadPolicySet } from "../../src/policy/loader";
import { cachePut, emptySession, inputKey, type PolicySession, ruleKey } from "../../src/policy/session";
import { engines } from "../helpers/engines";

const cedar = workerCedar();
const builtin = loadPolicySet(cedar, BUILTIN_POLICIES, { hard_policies: "", soft_policies: "", disabled_rules: [] });
const ctx = { repo: "acme/widgets", read_only: false, task_type: "new_task", approval_timeout_s: 300 };
const bash = (command: string, sha = command): GateCall => ({ tool_name: "Bash", tool_input: { command }, input_sha256: sha });
const write = (file_path: string): GateCall => ({ tool_name: "Write", tool_input: { file_path, content: "" }, input_sha256: file_path });
const withScopes = (...allowlist: string[]): PolicySession => ({ ...emptySession(), allowlist });
const now = 1_000_000;

describe("evaluation pipeline", () => {
  it("puts hard rules before any allowlist, even all_session", () => {
    const d = evaluate(engines, builtin, withScopes("all_session"), bash("rm -rf /"), ctx, now);
    expect(d).toMatchObject({ outcome: "deny", source: "hard", reason: "Hard-deny: rm_slash" });
  });

  it.each([
    ["all_session", bash("git push -f origin main")],
    ["tool_type:Bash", bash("git push -f origin main")],
    ["tool_group:file_write", write(".env")],
    ["write_path:config/*.env", write("config/prod.env")],
    ["bash_pattern:git push --force origin feature/*", bash("git push --force origin feature/x")],
  ])("pre-approves with %s", (scope, call) => {
    const d = evaluate(engines, builtin, withScopes(scope), call, ctx, now);
    expect(d.outcome).toBe("allow");
    expect(d.reason).toBe(`Pre-approved by allowlist (${scope})`);
  });

  it("does not let a bash_pattern for one part approve another part of a chain", () => {
    const d = evaluate(engines, builtin, withScopes("bash_pattern:npm test*"), bash("npm test; git push -f origin main"), ctx, now);
    expect(d.outcome).toBe("require_approval");
    expect(d.matching_rule_ids).toContain("force_push_main");
  });

  it("does not treat write_path as covering a Bash call's other parts", () => {
    const d = evaluate(engines, builtin, withScopes("write_path:.env"), bash("echo A=1 > .env && git push -f origin dev"), ctx, now);
    expect(d).toMatchObject({ outcome: "require_approval", matching_rule_ids: ["force_push_any"] });
  });

  it("lets a rule: scope through only that rule", () => {
    expect(evaluate(engines, builtin, withScopes("rule:force_push_any"), bash("git push -f origin dev"), ctx, now).outcome).toBe("allow");
    const main = evaluate(engines, builtin, withScopes("rule:force_push_any"), bash("git push -f origin main"), ctx, now);
    expect(main).toMatchObject({ outcome: "require_approval", matching_rule_ids: ["force_push_main", "push_to_protected_branch"] });
  });

  it("merges several matches: all rule ids, shortest timeout, highest severity", () => {
    const d = evaluate(engines, builtin, emptySession(), bash("git push -f origin main"), ctx, now);
    expect(d).toMatchObject({ outcome: "require_approval", severity: "high", timeout_s: 300, timeout_clipped: false });
    expect(d.reason).toBe("Soft-deny: force_push_any, force_push_main, push_to_protected_branch");
  });

  it("clips the approval window to the rule's timeout, never below 30 s", () => {
    const quick = loadPolicySet(cedar, BUILTIN_POLICIES, {
      hard_policies: "",
      soft_policies:
        '@tier("soft") @rule_id("curl_any") @approval_timeout_s("30") forbid (principal, action == Agent::Action::"execute_bash", resource) when { context.program == "curl" };',
      disabled_rules: [],
    });
    const d = evaluate(engines, quick, emptySession(), bash("curl example.com"), { ...ctx, approval_timeout_s: 900 }, now);
    expect(d).toMatchObject({ timeout_s: 30, timeout_clipped: true, severity: "medium" });
    const long = evaluate(engines, builtin, emptySession(), write(".env"), { ...ctx, approval_timeout_s: 60 }, now);
    expect(long).toMatchObject({ timeout_s: 60, timeout_clipped: false });
  });

  it("skips rules the repo disabled", () => {
    const relaxed = loadPolicySet(cedar, BUILTIN_POLICIES, {
      hard_policies: "",
      soft_policies: "",
      disabled_rules: ["write_github_workflows"],
    });
    const d = evaluate(engines, relaxed, emptySession(), write(".github/workflows/ci.yml"), ctx, now);
    expect(d.outcome).toBe("allow");
    expect(d.reason).toMatch(/disabled or pre-approved: write_github_workflows/);
  });

  it("applies blueprint hard rules as absolute", () => {
    const strict = loadPolicySet(cedar, BUILTIN_POLICIES, {
      hard_policies:
        '@tier("hard") @rule_id("no_curl") forbid (principal, action == Agent::Action::"execute_bash", resource) when { context.program == "curl" };',
      soft_policies: "",
      disabled_rules: [],
    });
    expect(evaluate(engines, strict, withScopes("all_session"), bash("cd x && /usr/bin/curl -s x"), ctx, now)).toMatchObject({
      outcome: "deny",
      reason: "Hard-deny: no_curl",
    });
  });

  it("fast-denies a repeat of a call denied or timed out within 60 s", () => {
    const s = {
      ...emptySession(),
      input_cache: cachePut([], { key: inputKey("Bash", "h1"), decision: "TIMED_OUT" as const, reason: "no answer", at: now - 59_000 }),
    };
    expect(evaluate(engines, builtin, s, bash("git push -f origin dev", "h1"), ctx, now)).toMatchObject({
      outcome: "deny",
      source: "cache",
      reason: "Recent TIMED_OUT within 60s: no answer",
    });
    expect(evaluate(engines, builtin, s, bash("git push -f origin dev", "h1"), ctx, now + 2_000).outcome).toBe("require_approval");
  });

  it("fast-denies a variation that hits a rule a human just denied", () => {
    const s = {
      ...emptySession(),
      rule_cache: cachePut([], { key: ruleKey("Bash", "force_push_any"), decision: "DENIED" as const, reason: "no", at: now }),
    };
    const d = evaluate(engines, builtin, s, bash("git push --force origin other-branch"), ctx, now + 1000);
    expect(d).toMatchObject({ outcome: "deny", reason: "Recent DENIED on rule 'force_push_any' within 60s: no" });
  });

  it("keeps at most 50 cache entries, dropping the oldest", () => {
    let entries = [] as ReturnType<typeof cachePut>;
    for (let i = 0; i < 60; i++) entries = cachePut(entries, { key: `k${i}`, decision: "DENIED", reason: "", at: now + i });
    expect(entries).toHaveLength(50);
    expect(entries[0].key).toBe("k10");
  });

  it.each([
    [
      "cedar throws",
      () => {
        throw new Error("wasm trap");
      },
      /fail-closed: wasm trap/,
    ],
    ["cedar returns failure", () => ({ type: "failure", errors: [{ message: "bad request" }] }), /fail-closed: cedar: bad request/],
    [
      "cedar reports evaluation errors",
      () => ({
        type: "success",
        response: { decision: "allow", diagnostics: { reason: [], errors: [{ policyId: "p", error: { message: "attr missing" } }] } },
      }),
      /fail-closed: cedar: p: attr missing/,
    ],
    [
      "cedar denies with no rule",
      () => ({ type: "success", response: { decision: "deny", diagnostics: { reason: [], errors: [] } } }),
      /fail-closed/,
    ],
  ])("denies when %s", (_what, impl, re) => {
    const broken = { ...cedar, statefulIsAuthorized: impl } as unknown as CedarApi;
    FORCE_CEDAR.add(broken); // every request to (failing) Cedar, none answered by the interpreter
    const d = evaluate({ ...engines, cedar: broken }, builtin, withScopes("all_session"), bash("ls"), ctx, now);
    expect(d.outcome).toBe("deny");
    expect(d.source).toBe("fail_closed");
    expect(d.reason).toMatch(re);
  });

  it("fails closed on a request that lacks read_only", () => {
    const leaky = {
      ...cedar,
      statefulIsAuthorized: (call: any) => cedar.statefulIsAuthorized({ ...call, context: { ...call.context, read_only: undefined } }),
    } as CedarApi;
    FORCE_CEDAR.add(leaky);
    const d = evaluate({ ...engines, cedar: leaky }, builtin, emptySession(), write("src/a.ts"), { ...ctx, read_only: true }, now);
    expect(d.outcome).toBe("deny");
    expect(d.reason).toMatch(/fail-closed/);
  });
});

describe("blueprint tool and domain lists", () => {
  const mcp: GateCall = {
    tool_name: "mcp__github__get_issue",
    tool_input: { owner: "acme", repo: "w", issue_number: 1 },
    input_sha256: "m",
  };
  const fetch = (url: string): GateCall => ({ tool_name: "WebFetch", tool_input: { url, prompt: "read" }, input_sha256: url });

  it("asks about an MCP tool unless the repo allows it by name or pattern", () => {
    expect(evaluate(engines, builtin, emptySession(), mcp, ctx, now)).toMatchObject({
      outcome: "require_approval",
      matching_rule_ids: ["unmodelled_tool"],
      severity: "medium",
    });
    const allowed = loadPolicySet(cedar, BUILTIN_POLICIES, {
      hard_policies: "",
      soft_policies: "",
      disabled_rules: [],
      allowed_tools: ["mcp__github__get_*"],
    });
    expect(evaluate(engines, allowed, emptySession(), mcp, ctx, now).outcome).toBe("allow");
    const push: GateCall = {
      tool_name: "mcp__github__push_files",
      tool_input: { branch: "main", files: [{ path: "a.txt", content: "x" }] },
      input_sha256: "p",
    };
    // Allowed by name, but what it does is still checked: a push to main asks.
    const pushAllowed = loadPolicySet(cedar, BUILTIN_POLICIES, {
      hard_policies: "",
      soft_policies: "",
      disabled_rules: [],
      allowed_tools: ["mcp__github__*"],
    });
    expect(evaluate(engines, pushAllowed, emptySession(), push, ctx, now)).toMatchObject({
      outcome: "require_approval",
      matching_rule_ids: ["push_to_protected_branch"],
    });
  });

  it("lets WebFetch reach any domain unless the repo lists domains, then asks about the others", () => {
    expect(evaluate(engines, builtin, emptySession(), fetch("https://evil.example/x"), ctx, now).outcome).toBe("allow");
    const listed = loadPolicySet(cedar, BUILTIN_POLICIES, {
      hard_policies: "",
      soft_policies: "",
      disabled_rules: [],
      allowed_domains: ["*.python.org", "registry.npmjs.org"],
    });
    expect(evaluate(engines, listed, emptySession(), fetch("https://docs.python.org/3/"), ctx, now).outcome).toBe("allow");
    expect(evaluate(engines, listed, emptySession(), fetch("https://python.org/"), ctx, now).outcome).toBe("allow");
    expect(evaluate(engines, listed, emptySession(), fetch("https://registry.npmjs.org/x"), ctx, now).outcome).toBe("allow");
    expect(evaluate(engines, listed, emptySession(), fetch("https://python.org.evil.example/"), ctx, now)).toMatchObject({
      outcome: "require_approval",
      matching_rule_ids: ["web_domain_not_allowed"],
      severity: "low",
    });
  });

  it("resolves paths against the hook's context: cwd, repo dir, home and temp dir", () => {
    const where = { cwd: "/work/w/src", repo_dir: "/work/w", home: "/home/u", tmpdir: "/scratch/tmp" };
    const run = (command: string) => evaluate(engines, builtin, emptySession(), bash(command), { ...ctx, where }, now);
    expect(run("cd .. && echo x > .git/hooks/post-merge")).toMatchObject({ outcome: "deny", matching_rule_ids: ["write_git_internals"] });
    expect(run("echo x > /scratch/tmp/out.txt").outcome).toBe("allow");
    expect(run("echo x > ~/notes.txt")).toMatchObject({ outcome: "require_approval", matching_rule_ids: ["write_outside_repo"] });
    expect(run("rm -rf ../../..")).toMatchObject({ outcome: "deny", matching_rule_ids: ["rm_slash"] });
    // The repo itself (not / or home): its .git and .claude go with it.
    expect(run("rm -rf ..")).toMatchObject({ outcome: "deny", matching_rule_ids: ["agent_settings", "write_git_internals"] });
    expect(run("rm -rf ../dist").outcome).toBe("allow");
  });
});

describe("request contexts are checked against the schema", () => {
  const base = { action: "invoke_tool" as const, resource: { type: "Agent::Tool", id: "Read" }, subject: { kind: "tool" as const } };
  const good = {
    task_type: "new_task",
    repo: "a/b",
    read_only: false,
    tool_name: "Read",
    tool_known: true,
    tool_read_only: true,
    tool_allowed: false,
    web_domain: "",
    web_domain_allowed: true,
  };

  it("reads every action's attributes from the schema", () => {
    expect(Object.keys(builtin.contexts).sort()).toEqual(["execute_bash", "invoke_tool", "read_file", "write_file"]);
    expect(builtin.contexts.execute_bash).toMatchObject({ flags: "Set<String>", opaque: "Bool", sql: "String" });
  });

  it.each([
    ["a missing attribute", (({ tool_allowed, ...rest }) => rest)(good), /tool_allowed is not a Bool/],
    ["an extra attribute", { ...good, sneaky: true }, /attribute the schema lacks: sneaky/],
    ["a mistyped attribute", { ...good, read_only: "false" }, /read_only is not a Bool/],
  ])("throws on %s (the gate then fails closed)", (_what, context, re) => {
    expect(() => checkContext(builtin, { ...base, context })).toThrow(re);
    expect(() => checkContext(builtin, { ...base, context: good })).not.toThrow();
  });
});
