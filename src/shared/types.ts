/** Types of the wire: what the REST API returns and what crosses DO RPC and queues. */
import type { DispatchChannel, EventType } from "./events";
import type { TaskStatus } from "./taskStatus";

export type ChannelSource = "api" | "slack";

export interface SlackThread {
  slack_team_id: string;
  slack_channel_id: string;
  slack_user_id: string;
  slack_thread_ts: string;
}

export interface TaskView {
  task_id: string;
  user_id: string;
  repo: string;
  issue_number: number | null;
  description: string;
  status: TaskStatus;
  read_only: boolean;
  approval_timeout_s: number;
  approval_gate_cap: number;
  approval_gate_count: number;
  /** Seconds from created_at after which the task ends TIMED_OUT (absent on tasks submitted before lifetimes). */
  max_lifetime_s?: number;
  awaiting_approval_request_id: string | null;
  initial_approvals: string[];
  channel_source: ChannelSource;
  channel_metadata: Partial<SlackThread>;
  runner_id: string | null;
  pr_url: string | null;
  error_message: string | null;
  cost_usd: number | null;
  cancel_requested: boolean;
  created_at: string;
  updated_at: string;
  started_at: string | null;
  completed_at: string | null;
  last_heartbeat_at: string | null;
  version: number;
}

export interface TaskEvent {
  event_id: string;
  task_id: string;
  event_type: EventType;
  metadata: Record<string, unknown>;
  created_at: string;
}

/** One DISPATCH queue message: one event for one channel (so channels retry independently). */
export interface DispatchMessage {
  channel: DispatchChannel;
  event: TaskEvent;
  task: TaskView;
}

export type Actor =
  | { kind: "admin" }
  | { kind: "user"; user_id: string }
  | { kind: "runner"; runner_id: string; token_hash: string }
  | { kind: "task"; task_id: string; token_hash: string };
