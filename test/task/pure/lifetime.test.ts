import { describe, expect, it } from "vitest";
import { canTransition } from "../../../src/shared/taskStatus";
import { approvalWindow, expire, lifetimeEndsAt, lifetimeOver } from "../../../src/task/lifetime";
import { watchdogAt } from "../../../src/task/watchdog";
import { pending, T0, taskState } from "./fixtures";

// Created 600 s before T0 (fixtures); a lifetime of `life` seconds ends at T0 - 600 s + life.
const withLife = (life: number, over = {}) => taskState({ max_lifetime_s: life, ...over });

describe("task lifetime", () => {
  it("ends max_lifetime_s after submit; tasks from before lifetimes get 8 h", () => {
    expect(lifetimeEndsAt(withLife(900))).toBe(T0 + 300_000);
    expect(lifetimeEndsAt(taskState())).toBe(T0 - 600_000 + 28_800_000);
  });

  it.each([
    ["a live task past it", withLife(600), true],
    ["a live task before it", withLife(601), false],
    ["an ended task", withLife(600, { status: "COMPLETED" }), false],
  ])("is over for %s: %s", (_name, s, over) => {
    expect(lifetimeOver(s, T0)).toBe(over);
  });

  it.each([
    // [lifetime left at T0 (s), asked window, window given, clipped]
    [3600, 300, 300, false],
    [420, 300, 300, false], // exactly the window + the 2-minute margin
    [419, 300, 299, true],
    [200, 300, 80, true],
    [150, 300, 30, true], // the shortest window there is
  ])("with %ss left, a %ss window becomes %ss (clipped: %s)", (left, asked, given, clipped) => {
    const s = withLife(600 + left);
    expect(approvalWindow(asked, s, T0)).toEqual({
      timeout_s: given,
      lifetime_ends_at: clipped ? new Date(T0 + left * 1000).toISOString() : null,
    });
  });

  it("opens no window shorter than 30 s: too close to the end, the call is denied instead", () => {
    expect(approvalWindow(300, withLife(600 + 149), T0)).toBeNull();
    expect(approvalWindow(300, withLife(600), T0)).toBeNull();
  });

  it("wakes the watchdog at the lifetime's end when that comes before stranding", () => {
    const limits = { strandedMs: 1_200_000, heartbeatMs: 300_000 };
    // Heartbeat 30 s before T0: strands at T0 + 270 s; the lifetime ends at T0 + 100 s.
    expect(watchdogAt(withLife(700), limits)).toBe(T0 + 100_000);
    expect(watchdogAt(withLife(28_800), limits)).toBe(T0 + 270_000);
  });

  it("ends a task TIMED_OUT, closing its pending approval as timed out first", () => {
    const a = pending();
    const cur = withLife(600, { status: "AWAITING_APPROVAL", awaiting_approval_request_id: a.request_id });
    const x = expire(cur, a, T0);
    expect(x.next).toMatchObject({
      status: "TIMED_OUT",
      awaiting_approval_request_id: null,
      completed_at: new Date(T0).toISOString(),
      error_message: "Task timed out: it reached its max lifetime of 600s.",
    });
    expect(x.approvals).toEqual([expect.objectContaining({ request_id: a.request_id, status: "TIMED_OUT", version: 2 })]);
    expect(x.events.map((e) => e.type)).toEqual(["approval_timed_out", "task_timed_out"]);
    expect(x.events[0].metadata).toMatchObject({ request_id: a.request_id, reason: "TASK_LIFETIME_EXCEEDED" });
    expect(x.events[1].metadata).toMatchObject({ duration_s: 500, error_message: x.next.error_message });
    // Closing the approval puts it back to RUNNING, from where TIMED_OUT is a transition the table allows.
    expect(canTransition("RUNNING", "TIMED_OUT")).toBe(true);
  });

  it("ends an unclaimed task too, with nothing to close", () => {
    const x = expire(withLife(600, { status: "SUBMITTED", started_at: null, runner_id: null }), null, T0);
    expect(x.approvals).toEqual([]);
    expect(x.events.map((e) => e.type)).toEqual(["task_timed_out"]);
    expect(canTransition("SUBMITTED", "TIMED_OUT")).toBe(true);
  });
});
