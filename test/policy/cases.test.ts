import { describe, expect, it } from "vitest";
import { BUILTIN_POLICIES, workerCedar } from "../../src/policy/cedarWorker";
import { evaluate } from "../../src/policy/evaluate";
import { loadPolicySet } from "../../src/policy/loader";
import { emptySession } from "../../src/policy/session";
import { engines } from "../helpers/engines";
import { POLICY_CASES } from "../helpers/policyCases";

const cedar = workerCedar();
const set = loadPolicySet(cedar, BUILTIN_POLICIES, { hard_policies: "", soft_policies: "", disabled_rules: [] });

describe.each(Object.entries(POLICY_CASES))("policies/tests/%s.jsonl through the worker engine", (_file, cases) => {
  it.each(cases.map((c) => [c.name, c] as const))("%s", (_name, c) => {
    const d = evaluate(
      engines,
      set,
      emptySession(),
      { tool_name: c.tool_name, tool_input: c.tool_input, input_sha256: "x" },
      {
        repo: "acme/widgets",
        read_only: c.read_only ?? false,
        task_type: "new_task",
        approval_timeout_s: 300,
        where: c.context,
      },
      Date.now(),
    );
    expect(d.outcome).toBe(c.expect);
    expect([...d.matching_rule_ids].sort()).toEqual([...c.rules].sort());
  });
});

describe("what the case files promise", () => {
  it("no attack in attacks.jsonl or redteam.jsonl is allowed", () => {
    expect(POLICY_CASES.attacks.length).toBeGreaterThanOrEqual(80);
    expect(POLICY_CASES.redteam.length).toBeGreaterThanOrEqual(390);
    // redteam.jsonl also keeps the false positives the second pass found: those must stay allowed.
    const attacks = [...POLICY_CASES.attacks, ...POLICY_CASES.redteam.filter((c) => !c.name.startsWith("R2-false-positive"))];
    expect(attacks.filter((c) => c.expect === "allow").map((c) => c.name)).toEqual([]);
    expect(POLICY_CASES.redteam.filter((c) => c.name.startsWith("R2-false-positive") && c.expect !== "allow").map((c) => c.name)).toEqual(
      [],
    );
  });

  it("at least 95 % of the everyday corpus (40+ commands) is allowed", () => {
    const all = POLICY_CASES.everyday;
    expect(all.length).toBeGreaterThanOrEqual(40);
    expect(all.filter((c) => c.expect === "allow").length / all.length).toBeGreaterThanOrEqual(0.95);
  });
});
