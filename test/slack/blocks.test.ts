import { describe, expect, it } from "vitest";
import { approvalCard, decidedCard } from "../../src/slack/blocks/approvalCard";
import { formatDuration } from "../../src/slack/blocks/format";
import { decisionText } from "../../src/slack/handlers/approvalActions";
import { parseMention } from "../../src/slack/parse";

const task = { task_id: "01JAAAAAAAAAAAAAAAAAAAAAAA", repo: "acme/widgets" };
const req = { request_id: "01JBBBBBBBBBBBBBBBBBBBBBBB", tool_name: "Bash", input_preview: '{"command":"git push -f <main>"}', reason: "Soft-deny: force_push_any", severity: "medium", timeout_s: 300, expires_at: "2026-11-25T10:00:00.000Z", matching_rule_ids: ["force_push_any"] };
const text = (blocks: unknown) => JSON.stringify(blocks);

describe("approval card", () => {
  it("escapes the input preview and shows rules, severity and the timer", () => {
    const t = text(approvalCard(task, req, ["low", "medium"]).blocks);
    expect(t).toContain("&lt;main&gt;");
    expect(t).toContain("`force_push_any`");
    expect(t).toContain("times out in 5m");
  });

  it.each([
    [{ status: "APPROVED", by: "<@U1>", at: "2026-11-25T10:00:00Z", scope: "this_call" }, "*Approved* by <@U1> (this_call)"],
    [{ status: "DENIED", by: "<@U1>", at: "2026-11-25T10:00:00Z", reason: "use a PR" }, "_Reason:_ use a PR"],
    [{ status: "TIMED_OUT", at: "2026-11-25T10:00:00Z" }, "Expired — denied (fail closed)"],
    [{ status: "CANCELLED", at: "2026-11-25T10:00:00Z" }, "Task cancelled* before a decision"],
    [{ status: "STRANDED", at: "2026-11-25T10:00:00Z" }, "Stranded"],
  ] as const)("after %j: no buttons, the outcome shown", (outcome, want) => {
    const m = decidedCard(task, req, outcome);
    expect(m.blocks.find((b) => b.type === "actions")).toBeUndefined();
    expect(text(m.blocks)).toContain(want);
  });
});

describe("Slack texts", () => {
  it.each([
    [{ ok: true, data: { task_id: "t", request_id: "r", status: "APPROVED", scope: "rule:x", decided_at: "" } }, "Approved (rule:x)"],
    [{ ok: false, code: "RATE_LIMIT_EXCEEDED", status: 429, message: "" }, "Rate limit exceeded (30 decisions/minute)"],
    [{ ok: false, code: "REQUEST_ALREADY_DECIDED", status: 409, message: "Request r is already DENIED." }, "already decided (DENIED)"],
    [{ ok: false, code: "TASK_NOT_AWAITING_APPROVAL", status: 409, message: "" }, "no longer awaiting"],
    [{ ok: false, code: "INTERNAL_ERROR", status: 500, message: "" }, "please retry or use the CLI"],
  ] as const)("decision %j -> %s", (r, want) => expect(decisionText(r as never)).toContain(want));

  it.each([
    ["<@U1> acme/widgets#42 fix the flaky test", { repo: "acme/widgets", issue_number: 42, description: "fix the flaky test" }],
    ["<@U1> please fix acme/widgets.", { repo: "acme/widgets", issue_number: null, description: "please fix" }],
    ["<@U1|bot> just do it", { repo: null, issue_number: null, description: "just do it" }],
  ])("parses %j", (input, want) => expect(parseMention(input)).toEqual(want));

  it.each([[45, "45s"], [130, "2m 10s"], [3900, "1h 5m"], [600, "10m"]])("formats %s s as %s", (s, want) => expect(formatDuration(s)).toBe(want));
});
