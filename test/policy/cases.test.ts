import { describe, expect, it } from "vitest";
import { BUILTIN_POLICIES, workerCedar } from "../../src/policy/cedarWorker";
import { evaluate } from "../../src/policy/evaluate";
import { loadPolicySet } from "../../src/policy/loader";
import { emptySession } from "../../src/policy/session";
import { POLICY_CASES } from "../helpers/policyCases";

const cedar = workerCedar();
const set = loadPolicySet(cedar, BUILTIN_POLICIES, { hard_policies: "", soft_policies: "", disabled_rules: [] });

describe.each(Object.entries(POLICY_CASES))("policies/tests/%s.jsonl through the worker engine", (_file, cases) => {
  it.each(cases.map((c) => [c.name, c] as const))("%s", (_name, c) => {
    const d = evaluate(cedar, set, emptySession(), { tool_name: c.tool_name, tool_input: c.tool_input, input_sha256: "x" }, {
      repo: "acme/widgets",
      read_only: c.read_only ?? false,
      task_type: "new_task",
      approval_timeout_s: 300,
    }, Date.now());
    expect(d.outcome).toBe(c.expect);
    expect([...d.matching_rule_ids].sort()).toEqual([...c.rules].sort());
  });
});
