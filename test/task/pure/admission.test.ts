import { describe, expect, it } from "vitest";
import { emptySession, RATE_LIMIT, RATE_WINDOW_MS } from "../../../src/policy/session";
import { admit } from "../../../src/task/admission";
import { softDecision, T0, taskState } from "./fixtures";

const call = { tool_name: "Bash", tool_input: { command: "git push -f origin x" }, tool_input_sha256: "b".repeat(64) };
const RID = "01JNEWAAAAAAAAAAAAAAAAAAAA";

describe("admission: may a call open an approval now?", () => {
  it.each([
    [
      "another approval is pending",
      taskState({ status: "AWAITING_APPROVAL", awaiting_approval_request_id: "01JOLD" }),
      emptySession(),
      /another approval is pending \(request 01JOLD\)/,
      null,
    ],
    [
      "the task's cap is reached",
      taskState({ approval_gate_count: 50, approval_gate_cap: 50 }),
      emptySession(),
      /cap exceeded \(50\/task\)/,
      "approval_cap_exceeded",
    ],
    [
      "the rate window is full",
      taskState(),
      { ...emptySession(), gate_times: Array.from({ length: RATE_LIMIT }, (_, i) => T0 - i * 1000) },
      /rate limit exceeded \(20\/min\)/,
      "approval_rate_limit_exceeded",
    ],
  ] as const)("refuses when %s", (_what, cur, session, reason, event) => {
    const r = admit(cur, session, softDecision(), call, RID, T0);
    expect(r.admitted).toBe(false);
    if (r.admitted) return;
    expect(r.reason).toMatch(reason);
    expect(r.event?.type ?? null).toBe(event);
  });

  it("admits when older gates have left the rate window, and keeps only the recent ones plus this one", () => {
    const old = Array.from({ length: RATE_LIMIT }, () => T0 - RATE_WINDOW_MS - 1);
    const r = admit(taskState(), { ...emptySession(), gate_times: [...old, T0 - 5] }, softDecision(), call, RID, T0);
    expect(r.admitted).toBe(true);
    if (r.admitted) expect(r.session.gate_times).toEqual([T0 - 5, T0]);
  });

  it("opens the approval: task awaiting it, count + 1, the approval_requested event with a short preview", () => {
    const cur = taskState({ approval_gate_count: 4 });
    const r = admit(cur, emptySession(), softDecision(), { ...call, tool_input: { command: "x".repeat(500) } }, RID, T0);
    if (!r.admitted) throw new Error(r.reason);
    expect(r.next).toMatchObject({ status: "AWAITING_APPROVAL", awaiting_approval_request_id: RID, approval_gate_count: 5 });
    expect(r.approval).toMatchObject({
      request_id: RID,
      status: "PENDING",
      severity: "high",
      timeout_s: 120,
      matching_rule_ids: ["force_push_any"],
    });
    expect(r.approval.expires_at).toBe(new Date(T0 + 120_000).toISOString());
    expect(r.events.map((e) => e.type)).toEqual(["approval_requested"]);
    expect(String((r.events[0].metadata as { input_preview: string }).input_preview).length).toBeLessThanOrEqual(200);
  });

  it("records that a rule annotation cut the approval window", () => {
    const r = admit(taskState(), emptySession(), softDecision({ timeout_clipped: true, timeout_s: 60 }), call, RID, T0);
    if (!r.admitted) throw new Error(r.reason);
    expect(r.events[1]).toEqual({
      type: "approval_timeout_capped",
      metadata: {
        request_id: RID,
        requested_timeout_s: 300,
        effective_timeout_s: 60,
        reason: "rule_annotation",
        matching_rule_ids: ["force_push_any"],
      },
    });
  });
});
