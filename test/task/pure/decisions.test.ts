import { describe, expect, it } from "vitest";
import { emptySession, inputKey, ruleKey } from "../../../src/policy/session";
import type { ApprovalStatus } from "../../../src/shared/approval";
import { closePending, decide, timeOut } from "../../../src/task/decisions";
import { pending, T0, taskState } from "./fixtures";

const a = pending();
const awaiting = taskState({ status: "AWAITING_APPROVAL", awaiting_approval_request_id: a.request_id });
const noProblem = () => null;
const OWNER = { user_id: "owner", role: "owner" as const };

describe("decisions: a human approves or denies", () => {
  it.each<[string, ApprovalStatus, string]>([
    ["approved", "APPROVED", "already APPROVED"],
    ["timed out", "TIMED_OUT", "already TIMED_OUT"],
    ["cancelled", "CANCELLED", "already CANCELLED"],
  ])("an approval already %s cannot be decided again (409, status in the detail)", (_w, status, msg) => {
    const r = decide(awaiting, pending({ status }), emptySession(), { decision: "approve" }, OWNER, T0, noProblem);
    expect(r).toMatchObject({ ok: false, code: "REQUEST_ALREADY_DECIDED", status: 409, detail: { approval_status: status } });
    expect("message" in r && r.message).toContain(msg);
  });

  it.each([
    ["the task is running", taskState({ status: "RUNNING" })],
    ["the task awaits another approval", taskState({ status: "AWAITING_APPROVAL", awaiting_approval_request_id: "01JOTHER" })],
  ])("a decision is refused when %s", (_w, cur) => {
    expect(decide(cur, a, emptySession(), { decision: "deny" }, OWNER, T0, noProblem)).toMatchObject({
      code: "TASK_NOT_AWAITING_APPROVAL",
    });
  });

  it.each([
    ["no scope: this_call, nothing added to the allowlist", undefined, "this_call", []],
    ["a rule scope is added", ["rule:force_push_any"], "rule:force_push_any", ["rule:force_push_any"]],
    [
      "several scopes at once",
      ["rule:force_push_any", "tool_type:Bash"],
      "rule:force_push_any tool_type:Bash",
      ["rule:force_push_any", "tool_type:Bash"],
    ],
  ])("approve: %s", (_w, scopes, scope, allowlist) => {
    const r = decide(awaiting, a, emptySession(), { decision: "approve", scopes }, OWNER, T0, noProblem);
    if (!("closed" in r)) throw new Error(r.message);
    expect(r.closed).toMatchObject({ status: "APPROVED", scope, decided_by: "owner", decided_at: new Date(T0).toISOString(), version: 2 });
    expect(r.next).toMatchObject({ status: "RUNNING", awaiting_approval_request_id: null });
    expect(r.session.allowlist).toEqual(allowlist);
    expect(r.events.map((e) => e.type)).toEqual(["approval_decision_recorded", "approval_granted"]);
    expect(r.denial).toBeNull();
  });

  it.each([
    ["a malformed scope", ["rule:"], noProblem, /Invalid scope/],
    ["a scope the task does not allow", ["all_session"], () => "beyond the repo's maximum", /Invalid scope: beyond the repo's maximum/],
  ])("approve refuses %s (400, nothing closed)", (_w, scopes, problem, msg) => {
    const r = decide(awaiting, a, emptySession(), { decision: "approve", scopes }, OWNER, T0, problem);
    expect(r).toMatchObject({ ok: false, code: "VALIDATION_ERROR", status: 400 });
    expect("message" in r && r.message).toMatch(msg);
  });

  it("deny: the reason is redacted, the call and its rules are denied again for a while, the agent hears of it once", () => {
    const r = decide(
      awaiting,
      a,
      emptySession(),
      { decision: "deny", reason: "no, token ghp_abcdefghijklmnopqrstuvwxyz0123456789" },
      OWNER,
      T0,
      noProblem,
    );
    if (!("closed" in r)) throw new Error(r.message);
    expect(r.closed.status).toBe("DENIED");
    expect(r.closed.deny_reason).not.toContain("ghp_abcdefghijklmnopqrstuvwxyz0123456789");
    expect(r.session.input_cache.map((c) => c.key)).toEqual([inputKey("Bash", a.tool_input_sha256)]);
    expect(r.session.rule_cache.map((c) => c.key)).toEqual([ruleKey("Bash", "force_push_any")]);
    expect(r.denial).toEqual({ request_id: a.request_id, decided_at: new Date(T0).toISOString(), reason: r.closed.deny_reason });
    expect(r.events[0]).toMatchObject({ type: "approval_decision_recorded", metadata: { status: "DENIED", latency_ms: 10_000 } });
  });

  it("records who decided and in which role, on the record and in both events", () => {
    const r = decide(awaiting, a, emptySession(), { decision: "approve" }, { user_id: "u-approver", role: "approver" }, T0, noProblem);
    if (!("closed" in r)) throw new Error(r.message);
    expect(r.closed).toMatchObject({ decided_by: "u-approver", decided_role: "approver" });
    expect(r.events[0].metadata).toMatchObject({ caller_user_id: "u-approver", caller_role: "approver" });
    expect(r.events[1].metadata).toMatchObject({ decided_by: "u-approver", decided_role: "approver" });
  });

  it("deny without a reason is still a deny the agent can read", () => {
    const r = decide(awaiting, a, emptySession(), { decision: "deny" }, OWNER, T0, noProblem);
    if (!("closed" in r)) throw new Error(r.message);
    expect(r.denial?.reason).toBe("denied");
  });
});

describe("decisions: deadlines and ends", () => {
  it.each([
    ["the task awaited it: back to RUNNING", awaiting, "RUNNING"],
    ["the task had moved on: left as it is", taskState({ status: "RUNNING" }), "RUNNING"],
  ])("a deadline passes: TIMED_OUT (fail closed); %s", (_w, cur, status) => {
    const r = timeOut(cur, a, emptySession(), T0);
    expect(r.closed).toMatchObject({ status: "TIMED_OUT", decided_by: null });
    expect(r.next.status).toBe(status);
    expect(r.next.awaiting_approval_request_id).toBeNull();
    expect(r.session.input_cache[0]).toMatchObject({ key: inputKey("Bash", a.tool_input_sha256), decision: "TIMED_OUT" });
    expect(r.events.map((e) => e.type)).toEqual(["approval_timed_out"]);
  });

  it.each([
    ["CANCELLED", "approval_cancelled"],
    ["STRANDED", "approval_stranded"],
  ] as const)("a task leaving AWAITING_APPROVAL closes its pending approval as %s", (status, event) => {
    const r = closePending(a, status, "runner", T0);
    expect(r.approvals).toMatchObject([{ request_id: a.request_id, status, decided_by: "runner" }]);
    expect(r.events).toEqual([{ type: event, metadata: { request_id: a.request_id } }]);
  });

  it.each([
    ["no pending approval", null],
    ["an approval already decided", pending({ status: "APPROVED" })],
  ])("closes nothing when there is %s", (_w, approval) => {
    expect(closePending(approval, "CANCELLED", "x", T0)).toEqual({ approvals: [], events: [] });
  });
});
