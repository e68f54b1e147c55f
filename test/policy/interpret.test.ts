/**
 * The TypeScript interpreter of our Cedar subset against cedar-wasm itself: every case file, the
 * property-test cores, blueprint rules, and the failure mode (a missing attribute is an error) agree.
 */
import { describe, expect, it } from "vitest";
import type { CedarApi } from "../../src/policy/cedar";
import { BUILTIN_POLICIES } from "../../src/policy/cedarWorker";
import { evaluate, FORCE_CEDAR } from "../../src/policy/evaluate";
import { interpretedMatches } from "../../src/policy/interpret";
import { loadPolicySet } from "../../src/policy/loader";
import { emptySession } from "../../src/policy/session";
import { engines } from "../helpers/engines";
import { POLICY_CASES } from "../helpers/policyCases";

const cedarOnly = { ...engines.cedar } as CedarApi;
FORCE_CEDAR.add(cedarOnly);
const blueprint = {
  hard_policies:
    '@tier("hard") @rule_id("no_curl_to_prod") forbid (principal, action == Agent::Action::"execute_bash", resource) when { context.program == "curl" && context.args.containsAny(["https://prod.example"]) };',
  soft_policies:
    '@tier("soft") @rule_id("ask_on_docs") forbid (principal, action == Agent::Action::"write_file", resource) when { context.file_path like "docs/*" || (context has op && context.op == "delete") };',
  disabled_rules: [],
};
const sets = {
  builtin: loadPolicySet(engines.cedar, BUILTIN_POLICIES, { hard_policies: "", soft_policies: "", disabled_rules: [] }),
  blueprint: loadPolicySet(engines.cedar, BUILTIN_POLICIES, blueprint),
};
const all = Object.values(POLICY_CASES).flat();

describe.each(Object.entries(sets))("the interpreter agrees with cedar-wasm (%s rules)", (_name, set) => {
  it("interprets every action of these rule sets (none falls back to Cedar)", () => {
    expect(Object.keys(set.interpreted).sort()).toEqual(["execute_bash", "invoke_tool", "read_file", "write_file"]);
  });

  it.each(all.map((c) => [c.name, c] as const))("%s", (_n, c) => {
    const ctx = { repo: "acme/widgets", read_only: c.read_only ?? false, task_type: "new_task", approval_timeout_s: 300, where: c.context };
    const call = { tool_name: c.tool_name, tool_input: c.tool_input, input_sha256: c.name };
    const fast = evaluate(engines, set, emptySession(), call, ctx, 0);
    const oracle = evaluate({ ...engines, cedar: cedarOnly }, set, emptySession(), call, ctx, 0);
    expect({ outcome: fast.outcome, rules: fast.matching_rule_ids }).toEqual({ outcome: oracle.outcome, rules: oracle.matching_rule_ids });
  });
});

describe("the interpreter fails like Cedar", () => {
  it("throws on a missing attribute (the gate then fails closed)", () => {
    const rules = sets.builtin.interpreted.write_file;
    const req = {
      action: "write_file" as const,
      resource: { type: "Agent::File", id: "file" },
      subject: { kind: "write" as const, path: "a" },
      context: { read_only: true },
    };
    expect(() => interpretedMatches(rules, "new_task", req)).toThrow(/no attribute/);
  });
});
