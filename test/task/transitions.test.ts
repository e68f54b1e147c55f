import { describe, expect, it } from "vitest";
import { canTransition, isCancellable, isTerminal, TASK_STATUSES, type TaskStatus } from "../../src/shared/taskStatus";

const ALLOWED: Array<[TaskStatus, TaskStatus]> = [
  ["SUBMITTED", "HYDRATING"],
  ["SUBMITTED", "FAILED"],
  ["SUBMITTED", "CANCELLED"],
  ["SUBMITTED", "TIMED_OUT"],
  ["HYDRATING", "RUNNING"],
  ["HYDRATING", "FAILED"],
  ["HYDRATING", "CANCELLED"],
  ["HYDRATING", "TIMED_OUT"],
  ["RUNNING", "AWAITING_APPROVAL"],
  ["RUNNING", "FINALIZING"],
  ["RUNNING", "COMPLETED"],
  ["RUNNING", "FAILED"],
  ["RUNNING", "CANCELLED"],
  ["RUNNING", "TIMED_OUT"],
  ["AWAITING_APPROVAL", "RUNNING"],
  ["AWAITING_APPROVAL", "CANCELLED"],
  ["AWAITING_APPROVAL", "FAILED"],
  ["FINALIZING", "COMPLETED"],
  ["FINALIZING", "FAILED"],
  ["FINALIZING", "TIMED_OUT"],
];

describe("task state machine", () => {
  const all = TASK_STATUSES.flatMap((from) => TASK_STATUSES.map((to) => [from, to] as [TaskStatus, TaskStatus]));
  it.each(all)("%s -> %s is allowed only if listed in DESIGN §3", (from, to) => {
    const listed = ALLOWED.some(([f, t]) => f === from && t === to);
    expect(canTransition(from, to)).toBe(listed);
  });

  it("never lets AWAITING_APPROVAL jump straight to COMPLETED or TIMED_OUT", () => {
    expect(canTransition("AWAITING_APPROVAL", "COMPLETED")).toBe(false);
    expect(canTransition("AWAITING_APPROVAL", "TIMED_OUT")).toBe(false);
  });

  it("has no way out of a terminal status", () => {
    for (const s of TASK_STATUSES.filter(isTerminal)) {
      expect(TASK_STATUSES.some((t) => canTransition(s, t))).toBe(false);
    }
  });

  it("lets users cancel everything but FINALIZING and terminal tasks", () => {
    expect(TASK_STATUSES.filter(isCancellable)).toEqual(["SUBMITTED", "HYDRATING", "RUNNING", "AWAITING_APPROVAL"]);
  });
});
