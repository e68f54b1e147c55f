import { describe, expect, it } from "vitest";
import { BUILTIN_POLICIES, workerCedar } from "../../src/policy/cedarWorker";
import { loadPolicySet, PolicyError } from "../../src/policy/loader";

const cedar = workerCedar();
const load = (bp: { hard_policies?: string; soft_policies?: string; disabled_rules?: string[] }) =>
  loadPolicySet(cedar, BUILTIN_POLICIES, { hard_policies: "", soft_policies: "", disabled_rules: [], ...bp });

const soft = (body: string, ann = '@tier("soft") @rule_id("custom_rule")') =>
  `${ann}\nforbid (principal, action == Agent::Action::"execute_bash", resource) when { ${body} };`;

describe("policy loader", () => {
  it("loads the built-in rules with their annotations", () => {
    const set = load({});
    expect(
      [...set.rules.values()]
        .filter((r) => r.tier === "hard")
        .map((r) => r.rule_id)
        .sort(),
    ).toEqual([
      "agent_settings",
      "chmod_chown_root",
      "drop_table",
      "read_only_forbid_edit",
      "read_only_forbid_file_write",
      "read_only_forbid_state_change",
      "read_only_forbid_unsafe_tool",
      "read_only_forbid_write",
      "rm_slash",
      "write_block_device",
      "write_git_internals",
      "write_git_internals_nested",
    ]);
    expect(
      [...set.rules.values()]
        .filter((r) => r.tier === "soft")
        .map((r) => r.rule_id)
        .sort(),
    ).toEqual([
      "force_push_any",
      "force_push_main",
      "git_config_exec",
      "opaque_shell",
      "push_delete_or_mirror",
      "push_to_protected_branch",
      "push_unknown_destination",
      "read_secrets",
      "remote_code_exec",
      "unmodelled_tool",
      "web_domain_not_allowed",
      "write_credentials",
      "write_env_files",
      "write_github_workflows",
      "write_outside_repo",
    ]);
    expect(set.rules.get("force_push_main")).toMatchObject({ tier: "soft", timeout_s: 600, severity: "high", category: "destructive" });
  });

  it.each([
    ["a syntax error", { soft_policies: "forbid (principal" }, /blueprint soft_policies/],
    ["a missing @rule_id", { soft_policies: soft('context.program == "curl"', '@tier("soft")') }, /needs @rule_id/],
    ["a wrong tier", { soft_policies: soft('context.program == "curl"', '@tier("hard") @rule_id("x1")') }, /@tier must be "soft"/],
    [
      "a rule id over 64 characters",
      { soft_policies: soft('context.program == "curl"', `@tier("soft") @rule_id("${"r".repeat(65)}")`) },
      /1–64 characters/,
    ],
    [
      "a rule id with other characters",
      { soft_policies: soft('context.program == "curl"', '@tier("soft") @rule_id("Ask-Me")') },
      /1–64 characters/,
    ],
    ["a permit", { soft_policies: '@tier("soft") @rule_id("p1") permit (principal, action, resource);' }, /only forbid/],
    [
      "a duplicate rule id",
      { soft_policies: soft('context.program == "curl"', '@tier("soft") @rule_id("force_push_any")') },
      /duplicate @rule_id "force_push_any"/,
    ],
    [
      "a timeout under 30 s",
      { soft_policies: soft('context.program == "curl"', '@tier("soft") @rule_id("t1") @approval_timeout_s("29")') },
      /at least 30/,
    ],
    [
      "a non-numeric timeout",
      { soft_policies: soft('context.program == "curl"', '@tier("soft") @rule_id("t1") @approval_timeout_s("soon")') },
      /whole number/,
    ],
    [
      "a bad severity",
      { soft_policies: soft('context.program == "curl"', '@tier("soft") @rule_id("s1") @severity("critical")') },
      /low, medium or high/,
    ],
    ["an attribute the schema lacks", { soft_policies: soft('context.cmd == "curl"') }, /schema validation failed: rule custom_rule/],
    ["an attribute of the wrong type", { soft_policies: soft('context.git_force == "yes"') }, /schema validation failed/],
    ["disabling a hard rule", { disabled_rules: ["rm_slash"] }, /cannot disable hard rule "rm_slash"/],
    ["disabling an unknown rule", { disabled_rules: ["nope"] }, /does not exist/],
  ])("rejects %s with a precise message", (_what, bp, re) => {
    expect(() => load(bp)).toThrowError(PolicyError);
    expect(() => load(bp)).toThrowError(re);
  });

  it("warns (but loads) when a timeout is under 120 s", () => {
    const set = load({ soft_policies: soft('context.program == "curl"', '@tier("soft") @rule_id("quick") @approval_timeout_s("60")') });
    expect(set.rules.get("quick")?.timeout_s).toBe(60);
    expect(set.warnings.join()).toMatch(/under 120s/);
  });

  it("parses a policy set once per isolate", () => {
    const bp = { soft_policies: soft('context.program == "wget"', '@tier("soft") @rule_id("no_wget")') };
    expect(load(bp)).toBe(load(bp));
  });
});
