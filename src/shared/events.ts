/**
 * The event catalogue: every event a task records (the audit trail in D1 `task_events`), what
 * its metadata holds, and which channels hear of it (DESIGN §6). Tables keyed by event type are
 * `Record<EventType, ...>`, so a new event does not compile until each table says what it does.
 */

import type { DeciderRole } from "./approval";
import type { TaskStatus } from "./taskStatus";
import type { ChannelSource } from "./types";

/** What runners send as-is (POST /v1/tasks/{id}/events); the service checks pr_url only. */
type RunnerSent = Record<string, unknown>;

/** What a runner's finish records (task_completed, task_failed). */
export type TaskEndedMetadata = {
  duration_s: number;
  pr_url: string | null;
  cost_usd: number | null;
  error_message?: string;
};

export interface EventMetadata {
  task_created: { repo: string; issue_number: number | null; description: string; channel_source: ChannelSource };
  pre_approvals_loaded: { count: number; scopes: string[] };
  hydration_started: { runner_id: string };
  session_started: RunnerSent;
  agent_milestone: RunnerSent;
  pr_created: RunnerSent;
  agent_error: RunnerSent;
  gate_tampered: RunnerSent;
  task_token_revoked: { runner_id: string; prior_status: TaskStatus };
  task_stranded: { code: "STRANDED_NO_HEARTBEAT"; prior_status: TaskStatus; age_s: number };
  task_completed: TaskEndedMetadata;
  task_failed: TaskEndedMetadata | { error_message: string };
  task_cancelled: { prior_status: TaskStatus; cancelled_by: string };
  task_timed_out: TaskEndedMetadata;
  gate_denied: { tool_name: string; reason: string; matching_rule_ids: string[]; source: string };
  approval_cap_exceeded: { tool_name: string; count: number; cap: number };
  approval_rate_limit_exceeded: { tool_name: string; rate: number; limit: number };
  approval_requested: {
    request_id: string;
    tool_name: string;
    input_preview: string;
    effects: string[];
    reason: string;
    severity: string;
    timeout_s: number;
    expires_at: string;
    matching_rule_ids: string[];
  };
  approval_timeout_capped: {
    request_id: string;
    requested_timeout_s: number;
    effective_timeout_s: number;
    reason: "rule_annotation";
    matching_rule_ids: string[];
  };
  approval_decision_recorded: {
    request_id: string;
    status: string;
    scope?: string;
    reason_length?: number;
    decided_at: string | null;
    caller_user_id: string;
    caller_role: DeciderRole;
    latency_ms: number;
  };
  approval_granted: { request_id: string; scope: string; decided_at: string | null; decided_by: string; decided_role: DeciderRole };
  approval_denied: { request_id: string; reason: string; decided_at: string | null; decided_by: string; decided_role: DeciderRole };
  approval_timed_out: { request_id: string; timeout_s: number; matching_rule_ids: string[]; reason?: "TASK_LIFETIME_EXCEEDED" };
  approval_cancelled: Closed;
  approval_stranded: Closed;
}

/** A pending approval closed because its task left AWAITING_APPROVAL another way. */
type Closed = {
  request_id: string;
  age_s?: number;
  reason?: string;
};

export type EventType = keyof EventMetadata;

/** An event about to be recorded: its type and that type's metadata. */
export type NewEvent = { [K in EventType]: { type: K; metadata: EventMetadata[K] } }[EventType];

/** A pending approval closed because its task ended (cancel, finish, revocation) or was stranded. */
export type ApprovalClosedEvent = Extract<NewEvent, { type: "approval_cancelled" | "approval_stranded" }>;

/** The events a runner may report itself. */
export const RUNNER_EVENT_TYPES = ["session_started", "agent_milestone", "pr_created", "agent_error", "gate_tampered"] as const;
export type RunnerEventType = (typeof RUNNER_EVENT_TYPES)[number];

/** The events that end a task (task_stranded comes with task_failed; the first one posted wins). */
export type TerminalEventType = "task_completed" | "task_failed" | "task_cancelled" | "task_timed_out" | "task_stranded";

/**
 * `home`: the owner's Slack App Home is republished (at most one message per state change, see
 * homeEventOf; only for owners linked to Slack at submit, whose task carries their slack_user_id).
 */
export type DispatchChannel = "slack" | "github" | "home";

/** Which channels hear of each event. Slack only for tasks from Slack; GitHub only for tasks with an issue. */
const CHANNELS: Record<EventType, { slack: boolean; github: boolean }> = {
  task_created: { slack: true, github: false },
  pre_approvals_loaded: { slack: false, github: false },
  hydration_started: { slack: false, github: false },
  session_started: { slack: true, github: false },
  agent_milestone: { slack: false, github: false },
  // Slack hears of the PR once, in the outcome message; GitHub's one comment per task shows it at once.
  pr_created: { slack: false, github: true },
  agent_error: { slack: true, github: false },
  gate_tampered: { slack: true, github: true },
  task_token_revoked: { slack: false, github: false },
  task_stranded: { slack: true, github: true },
  task_completed: { slack: true, github: true },
  task_failed: { slack: true, github: true },
  task_cancelled: { slack: true, github: true },
  task_timed_out: { slack: true, github: true },
  gate_denied: { slack: false, github: false },
  approval_cap_exceeded: { slack: false, github: false },
  approval_rate_limit_exceeded: { slack: false, github: false },
  approval_requested: { slack: true, github: false },
  approval_timeout_capped: { slack: false, github: false },
  approval_decision_recorded: { slack: false, github: false },
  approval_granted: { slack: true, github: false },
  approval_denied: { slack: true, github: false },
  approval_timed_out: { slack: true, github: false },
  approval_cancelled: { slack: true, github: false },
  approval_stranded: { slack: true, github: false },
};

/**
 * What reaches Slack whatever the task's origin: its approval cards and their edits (a DM to the
 * owner, the repo's approval channel) and its outcome (a DM). The dispatcher finds where, or skips.
 */
const SLACK_ANY_ORIGIN = new Set<EventType>([
  "approval_requested",
  "approval_granted",
  "approval_denied",
  "approval_timed_out",
  "approval_cancelled",
  "approval_stranded",
  "task_completed",
  "task_failed",
  "task_cancelled",
  "task_timed_out",
  "task_stranded",
]);

export function channelsFor(eventType: EventType, task: { channel_source: ChannelSource; issue_number: number | null }): DispatchChannel[] {
  const route = CHANNELS[eventType];
  const out: DispatchChannel[] = [];
  if (route?.slack && (task.channel_source === "slack" || SLACK_ANY_ORIGIN.has(eventType))) out.push("slack");
  if (task.issue_number !== null && route?.github) out.push("github");
  return out;
}

/** Events that change what a task owner's App Home shows: a status, or a pending approval. */
const HOME_EVENTS: ReadonlySet<EventType> = new Set<EventType>([
  "task_created",
  "hydration_started",
  "session_started",
  // approvals opened and closed, and outcomes: what reaches Slack whatever the origin
  ...SLACK_ANY_ORIGIN,
]);

/**
 * The event of a state change (the events one commit records) that republishes the owner's App
 * Home: the first that changes it, or none. One per change, so a cancel that also closes an
 * approval publishes once.
 */
export const homeEventOf = <E extends { type: EventType }>(events: readonly E[]): E | undefined =>
  events.find((e) => HOME_EVENTS.has(e.type));
