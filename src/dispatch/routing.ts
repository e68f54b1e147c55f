/** Which channels hear about which events (DESIGN §6). Data, unit-tested. */
import type { DispatchChannel, TaskView } from "../shared/types";

export const TERMINAL_EVENTS = ["task_completed", "task_failed", "task_cancelled", "task_timed_out", "task_stranded"];

const SLACK_EVENTS = new Set([
  "task_created",
  "session_started",
  "approval_requested",
  "approval_granted",
  "approval_denied",
  "approval_timed_out",
  "approval_cancelled",
  "approval_stranded",
  "agent_error",
  "pr_created",
  "gate_tampered",
  ...TERMINAL_EVENTS,
]);

const GITHUB_EVENTS = new Set(["pr_created", "gate_tampered", ...TERMINAL_EVENTS]);

export function channelsFor(eventType: string, task: Pick<TaskView, "channel_source" | "issue_number">): DispatchChannel[] {
  const out: DispatchChannel[] = [];
  if (task.channel_source === "slack" && SLACK_EVENTS.has(eventType)) out.push("slack");
  if (task.issue_number !== null && GITHUB_EVENTS.has(eventType)) out.push("github");
  return out;
}
