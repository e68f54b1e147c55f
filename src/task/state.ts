import type { ChannelSource, SlackThread, TaskView } from "../shared/types";
import type { TaskStatus } from "./transitions";

/** Everything the TaskDO persists about its task. `view()` is the public part. */
export interface TaskState {
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
  awaiting_approval_request_id: string | null;
  initial_approvals: string[];
  channel_source: ChannelSource;
  channel_metadata: Partial<SlackThread>;
  runner_id: string | null;
  /** SHA-256 of the task token issued at claim; the token itself is never stored. */
  task_token_hash: string | null;
  pr_url: string | null;
  error_message: string | null;
  cost_usd: number | null;
  cancel_requested: boolean;
  created_at: string;
  updated_at: string;
  started_at: string | null;
  completed_at: string | null;
  last_heartbeat_at: string | null;
  /** Bumped on every change; D1 upserts only apply newer versions, so late outbox retries are harmless. */
  version: number;
}

export function view(s: TaskState): TaskView {
  return {
    task_id: s.task_id,
    user_id: s.user_id,
    repo: s.repo,
    issue_number: s.issue_number,
    description: s.description,
    status: s.status,
    read_only: s.read_only,
    approval_timeout_s: s.approval_timeout_s,
    approval_gate_cap: s.approval_gate_cap,
    approval_gate_count: s.approval_gate_count,
    awaiting_approval_request_id: s.awaiting_approval_request_id,
    initial_approvals: s.initial_approvals,
    channel_source: s.channel_source,
    channel_metadata: s.channel_metadata,
    runner_id: s.runner_id,
    pr_url: s.pr_url,
    error_message: s.error_message,
    cost_usd: s.cost_usd,
    cancel_requested: s.cancel_requested,
    created_at: s.created_at,
    updated_at: s.updated_at,
    started_at: s.started_at,
    completed_at: s.completed_at,
    last_heartbeat_at: s.last_heartbeat_at,
    version: s.version,
  };
}
