/** The task state machine (DESIGN §3). Pure: used by the TaskDO and tested table-driven. */
export const TASK_STATUSES = [
  "SUBMITTED",
  "HYDRATING",
  "RUNNING",
  "AWAITING_APPROVAL",
  "FINALIZING",
  "COMPLETED",
  "FAILED",
  "CANCELLED",
  "TIMED_OUT",
] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

export const TERMINAL_STATUSES: readonly TaskStatus[] = ["COMPLETED", "FAILED", "CANCELLED", "TIMED_OUT"];

const TRANSITIONS: Record<TaskStatus, readonly TaskStatus[]> = {
  // TIMED_OUT from every live status but AWAITING_APPROVAL: a task's lifetime (task/lifetime.ts)
  // runs from submit, and a pending approval is closed first (back to RUNNING).
  SUBMITTED: ["HYDRATING", "FAILED", "CANCELLED", "TIMED_OUT"],
  HYDRATING: ["RUNNING", "FAILED", "CANCELLED", "TIMED_OUT"],
  RUNNING: ["AWAITING_APPROVAL", "FINALIZING", "COMPLETED", "FAILED", "CANCELLED", "TIMED_OUT"],
  AWAITING_APPROVAL: ["RUNNING", "CANCELLED", "FAILED"],
  FINALIZING: ["COMPLETED", "FAILED", "TIMED_OUT"],
  COMPLETED: [],
  FAILED: [],
  CANCELLED: [],
  TIMED_OUT: [],
};

export const isTerminal = (s: TaskStatus): boolean => TERMINAL_STATUSES.includes(s);
export const canTransition = (from: TaskStatus, to: TaskStatus): boolean => TRANSITIONS[from].includes(to);

/** Not yet taken up by a runner's agent: watched by STRANDED_TIMEOUT_S rather than heartbeats. */
export const isUnstarted = (s: TaskStatus): boolean => s === "SUBMITTED" || s === "HYDRATING";

/** Statuses a user may cancel from (FINALIZING may only finish). */
export const isCancellable = (s: TaskStatus): boolean => canTransition(s, "CANCELLED");

/** The event recorded when a task reaches a terminal status. */
export const terminalEventType = (s: "COMPLETED" | "FAILED" | "TIMED_OUT"): "task_completed" | "task_failed" | "task_timed_out" =>
  s === "COMPLETED" ? "task_completed" : s === "FAILED" ? "task_failed" : "task_timed_out";
