/** Rule ids are capped where blueprints are accepted: 1–64 characters of [a-z0-9_]. */
import { describe, expect, it } from "vitest";
import { BUILTIN_POLICIES, workerCedar } from "../../src/policy/cedarWorker";
import { loadPolicySet } from "../../src/policy/loader";
import { ruleIdProblem } from "../../src/shared/blueprint";
import { ADMIN, call, unique } from "../helpers/api";

const soft = (id: string) =>
  `@tier("soft") @rule_id("${id}") forbid (principal, action == Agent::Action::"execute_bash", resource) when { context.command like "*curl*" };`;
const put = (id: string) => call("PUT", `/v1/repos/acme/${unique("ids")}`, { token: ADMIN, body: { soft_policies: soft(id) } });

describe("rule ids", () => {
  it.each([
    ["a plain id", "no_curl", true],
    ["64 characters", "a".repeat(64), true],
    ["digits and underscores", "rule_2_b", true],
    ["65 characters", "a".repeat(65), false],
    ["capitals", "No_Curl", false],
    ["a hyphen", "no-curl", false],
    ["a dot", "no.curl", false],
    ["a space", "no curl", false],
    ["emoji", "no_curl_😀", false],
  ])("%s: accepted=%s", (_name, id, ok) => {
    expect(ruleIdProblem(id) === null).toBe(ok);
  });

  it("says what is wrong without echoing a long id whole", () => {
    expect(ruleIdProblem("x".repeat(5000))).toMatch(/^rule id "x{64}…" must be 1–64 characters of a-z, 0-9 and _$/);
  });

  it("every built-in rule id fits", () => {
    const set = loadPolicySet(workerCedar(), BUILTIN_POLICIES, { hard_policies: "", soft_policies: "", disabled_rules: [] });
    expect([...set.rules.keys()].filter((id) => ruleIdProblem(id))).toEqual([]);
  });

  it("PUT accepts a blueprint whose rule ids fit", async () => {
    expect((await put("no_curl_in_ci")).status).toBe(200);
    expect((await put("r".repeat(64))).status).toBe(200);
  });

  it.each([["r".repeat(65)], ["No_Curl"], ["no-curl"]])("PUT refuses rule id %s with 400 and stores nothing", async (id) => {
    const repo = `acme/${unique("ids")}`;
    const r = await call("PUT", `/v1/repos/${repo}`, { token: ADMIN, body: { soft_policies: soft(id) } });
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe("VALIDATION_ERROR");
    expect(r.body.error.message).toMatch(
      /^Invalid policies: blueprint soft_policies: rule id .* must be 1–64 characters of a-z, 0-9 and _$/,
    );
    expect((await call("GET", `/v1/repos/${repo}/policies`, { token: ADMIN })).status).toBe(422);
  });
});
