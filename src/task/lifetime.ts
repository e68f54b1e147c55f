/**
 * A task's lifetime: `max_lifetime_s` from submit, whatever it is doing. Past it the task ends
 * TIMED_OUT (its pending approval closes as timed out first), and no approval window may outlast
 * it: windows end at least approvalLifetimeMarginS before, or are not opened at all. Pure; the
 * TaskDO's alarm, heartbeat, gate and claim apply it.
 */
import type { ApprovalRecord } from "../shared/approval";
import { iso } from "../shared/clock";
import type { NewEvent } from "../shared/events";
import { LIMITS } from "../shared/limits";
import { isTerminal } from "../shared/taskStatus";
import { closeApproval } from "./approvals";
import type { TaskState } from "./state";

type Lived = Pick<TaskState, "created_at" | "max_lifetime_s">;

/** When the task's lifetime ends (ms). Tasks kept from before lifetimes get the default. */
export const lifetimeEndsAt = (s: Lived): number => Date.parse(s.created_at) + (s.max_lifetime_s ?? LIMITS.taskLifetimeS.default) * 1000;

/** A live task whose lifetime is over. */
export const lifetimeOver = (s: TaskState, now: number): boolean => !isTerminal(s.status) && now >= lifetimeEndsAt(s);

/**
 * The window an approval gets: `timeoutS`, or what is left of the lifetime minus the margin
 * (then `lifetime_ends_at` says so, for the card); null when that leaves less than the shortest
 * approval window, so the call is denied rather than asked about.
 */
export function approvalWindow(timeoutS: number, s: Lived, now: number): { timeout_s: number; lifetime_ends_at: string | null } | null {
  const end = lifetimeEndsAt(s);
  const leftS = Math.floor((end - now) / 1000) - LIMITS.approvalLifetimeMarginS;
  if (leftS >= timeoutS) return { timeout_s: timeoutS, lifetime_ends_at: null };
  if (leftS < LIMITS.approvalTimeoutS.min) return null;
  return { timeout_s: leftS, lifetime_ends_at: iso(end) };
}

/** Why a call is denied when no approval fits in what is left of the lifetime. */
export const noTimeForApproval = (s: Lived): string =>
  `the task's lifetime ends at ${iso(lifetimeEndsAt(s))}, too soon for a human to decide (fail closed)`;

export const lifetimeMessage = (s: Lived): string =>
  `Task timed out: it reached its max lifetime of ${s.max_lifetime_s ?? LIMITS.taskLifetimeS.default}s.`;

/**
 * The task at the end of its lifetime: its pending approval (if any) closed as TIMED_OUT, which
 * puts it back to RUNNING, and then TIMED_OUT (so AWAITING_APPROVAL never jumps straight there).
 */
export function expire(
  cur: TaskState,
  pending: ApprovalRecord | null,
  now: number,
): { next: TaskState; approvals: ApprovalRecord[]; events: NewEvent[] } {
  const approvals: ApprovalRecord[] = [];
  const events: NewEvent[] = [];
  if (pending?.status === "PENDING") {
    approvals.push(closeApproval(pending, "TIMED_OUT", now, null));
    events.push({
      type: "approval_timed_out",
      metadata: {
        request_id: pending.request_id,
        timeout_s: pending.timeout_s,
        matching_rule_ids: pending.matching_rule_ids,
        reason: "TASK_LIFETIME_EXCEEDED",
      },
    });
  }
  const message = lifetimeMessage(cur);
  const started = Date.parse(cur.started_at ?? cur.created_at);
  events.push({
    type: "task_timed_out",
    metadata: { duration_s: Math.round((now - started) / 1000), pr_url: cur.pr_url, cost_usd: cur.cost_usd, error_message: message },
  });
  const next: TaskState = {
    ...cur,
    status: "TIMED_OUT",
    awaiting_approval_request_id: null,
    error_message: message,
    completed_at: iso(now),
  };
  return { next, approvals, events };
}
