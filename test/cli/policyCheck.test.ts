/**
 * The CLI path of the policy case files: `bgagent policy check --cases` must give the same
 * outcome and rule ids as the worker path (test/policy/cases.test.ts) for every case.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const root = join(import.meta.dirname, "..", "..");
const bin = join(root, "cli", "bin", "bgagent.mjs");
const run = (args: string[]) => execFileSync("node", [bin, ...args], { cwd: root, encoding: "utf8" });

describe.each(["allow", "deny", "approval", "attacks", "everyday", "redteam"])(
  "policies/tests/%s.jsonl through `bgagent policy check --cases`",
  (file) => {
    const lines = readFileSync(join(root, "policies", "tests", `${file}.jsonl`), "utf8")
      .split("\n")
      .filter((l) => l.trim());
    const cases = lines.map((l) => JSON.parse(l));
    const out = run(["policy", "check", "--cases", join(root, "policies", "tests", `${file}.jsonl`)])
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));

    it("prints one result per case, in order", () => expect(out).toHaveLength(cases.length));
    it.each(cases.map((c, i) => [c.name, i] as const))("%s", (_name, i) => {
      expect(out[i].outcome).toBe(cases[i].expect);
      expect([...out[i].matching_rule_ids].sort()).toEqual([...cases[i].rules].sort());
    });
  },
);

describe("bgagent policy check", () => {
  it("prints the documented JSON object for one call", () => {
    const r = JSON.parse(run(["policy", "check", "--tool", "Bash", "--input", '{"command":"git push -f origin dev"}', "--json"]));
    expect(r).toEqual({
      outcome: "require_approval",
      matching_rule_ids: ["force_push_any"],
      reason: "Soft-deny: force_push_any",
      severity: "medium",
      timeout_s: 300,
      effects: ["force-pushes to dev"],
    });
  });

  it("resolves paths against --cwd as the agent's shell would", () => {
    const r = JSON.parse(
      run([
        "policy",
        "check",
        "--tool",
        "Write",
        "--input",
        '{"file_path":"hooks/pre-commit","content":"x"}',
        "--cwd",
        "/workspace/repo/.git",
        "--json",
      ]),
    );
    expect(r).toMatchObject({ outcome: "deny", matching_rule_ids: ["write_git_internals"] });
  });

  it("applies --scope, --read-only and --repo-policy", () => {
    expect(
      JSON.parse(
        run([
          "policy",
          "check",
          "--tool",
          "Bash",
          "--input",
          '{"command":"git push -f origin dev"}',
          "--scope",
          "rule:force_push_any",
          "--json",
        ]),
      ).outcome,
    ).toBe("allow");
    expect(
      JSON.parse(run(["policy", "check", "--tool", "Write", "--input", '{"file_path":"a.ts"}', "--read-only", "--json"])).outcome,
    ).toBe("deny");
    const dir = mkdtempSync(join(tmpdir(), "bgagent-"));
    const bp = join(dir, "bp.json");
    writeFileSync(
      bp,
      JSON.stringify({
        hard_policies:
          '@tier("hard") @rule_id("no_curl") forbid (principal, action == Agent::Action::"execute_bash", resource) when { context.program == "curl" };',
      }),
    );
    const r = JSON.parse(run(["policy", "check", "--tool", "Bash", "--input", '{"command":"curl x"}', "--repo-policy", bp, "--json"]));
    expect(r).toMatchObject({ outcome: "deny", matching_rule_ids: ["no_curl"] });
  });

  it("exits 1 with a clear message on bad input", () => {
    let err: { status?: number; stderr?: string } = {};
    try {
      run(["policy", "check", "--tool", "Bash", "--input", "{not json"]);
    } catch (e) {
      err = e as typeof err;
    }
    expect(err.status).toBe(1);
    expect(String(err.stderr)).toMatch(/--input is not valid JSON/);
  });
});
