/**
 * When a live task counts as stranded: no heartbeat for HEARTBEAT_TIMEOUT_S once a runner has it
 * (RUNNING, AWAITING_APPROVAL, FINALIZING), or still unstarted STRANDED_TIMEOUT_S after its last
 * change. Pure; the TaskDO's alarm and the cron reconciler share these rules.
 */
import type { Env } from "../env";
import type { ApprovalClosedEvent, NewEvent } from "../shared/events";
import { varSecondsMs, WATCHDOG } from "../shared/limits";
import { isTerminal, isUnstarted } from "../shared/taskStatus";
import { lifetimeEndsAt } from "./lifetime";
import { lastSignOfLife, type TaskState } from "./state";

export interface WatchdogLimits {
  strandedMs: number;
  heartbeatMs: number;
}

export const watchdogLimits = (env: Pick<Env, "STRANDED_TIMEOUT_S" | "HEARTBEAT_TIMEOUT_S">): WatchdogLimits => ({
  strandedMs: varSecondsMs(env.STRANDED_TIMEOUT_S, WATCHDOG.strandedS),
  heartbeatMs: varSecondsMs(env.HEARTBEAT_TIMEOUT_S, WATCHDOG.heartbeatS),
});

/** When the task strands or its lifetime ends (lifetime.ts), whichever comes first, if nothing happens first; null for an ended task. */
export function watchdogAt(s: TaskState, limits: WatchdogLimits): number | null {
  if (isTerminal(s.status)) return null;
  const strands = isUnstarted(s.status) ? Date.parse(s.updated_at) + limits.strandedMs : Date.parse(lastSignOfLife(s)) + limits.heartbeatMs;
  return Math.min(strands, lifetimeEndsAt(s));
}

/** Seconds since anyone working on the task was heard from. */
export const silentForS = (s: TaskState, now: number): number => Math.round((now - Date.parse(lastSignOfLife(s))) / 1000);

/** What a stranded task records, after its pending approval's closing (marked with why). */
export const strandEvents =
  (cur: TaskState, ageS: number, message: string) =>
  (closed: ApprovalClosedEvent[]): NewEvent[] => [
    ...closed.map((e) => ({ ...e, metadata: { ...e.metadata, age_s: ageS, reason: "STRANDED_NO_HEARTBEAT" } })),
    { type: "task_stranded", metadata: { code: "STRANDED_NO_HEARTBEAT", prior_status: cur.status, age_s: ageS } },
    { type: "task_failed", metadata: { error_message: message } },
  ];

/** The task's error message when it strands. */
export const strandedMessage = (s: TaskState, ageS: number): string =>
  isUnstarted(s.status)
    ? `Task stranded: no runner started it within ${ageS}s.`
    : `Task stranded: no heartbeat from the runner for ${ageS}s (runner stopped or lost). Resubmit the task if the work is still needed.`;
