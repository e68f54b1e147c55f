/** The task's lifecycle beyond the transition table: its first state, runner events, its finish, refused transitions. Pure. */
import { iso } from "../shared/clock";
import { type Failure, fail } from "../shared/errors";
import type { NewEvent, RunnerEventType, TaskEndedMetadata } from "../shared/events";
import type { FinishInput, TaskInit } from "../shared/rpc";
import { canTransition, isTerminal, type TaskStatus } from "../shared/taskStatus";
import { checkPrUrl } from "./prUrl";
import type { TaskState } from "./state";

export function initialState(init: TaskInit, now: string): TaskState {
  const { policy: _frozenSeparately, ...fields } = init;
  return {
    ...fields,
    status: "SUBMITTED",
    approval_gate_count: 0,
    awaiting_approval_request_id: null,
    runner_id: null,
    task_token_hash: null,
    pr_url: null,
    error_message: null,
    cost_usd: null,
    cancel_requested: false,
    created_at: now,
    updated_at: now,
    started_at: null,
    completed_at: null,
    last_heartbeat_at: null,
    version: 0,
  };
}

/** What a new task records: its creation, and the scopes approved at submit if any. */
export function creationEvents(s: TaskState): NewEvent[] {
  const { repo, issue_number, channel_source, initial_approvals: scopes } = s;
  const created: NewEvent = {
    type: "task_created",
    metadata: { repo, issue_number, description: s.description.slice(0, 200), channel_source },
  };
  return scopes.length ? [created, { type: "pre_approvals_loaded", metadata: { count: scopes.length, scopes } }] : [created];
}

/**
 * The runner's finish: the ended task and what its terminal event records, or why not (the
 * transition, or a pr_url that is not one of the repo's, see prUrl.ts).
 */
export function finished(
  cur: TaskState,
  input: FinishInput,
  webBase: string,
  now: number,
): Failure | { next: TaskState; metadata: TaskEndedMetadata } {
  const bad = transitionProblem(cur, input.status);
  if (bad) return bad;
  const pr = input.pr_url === undefined ? null : checkPrUrl(input.pr_url, cur.repo, webBase);
  if (pr && "problem" in pr) return fail("VALIDATION_ERROR", 400, pr.problem);
  const started = cur.started_at ? Date.parse(cur.started_at) : Date.parse(cur.created_at);
  const next: TaskState = {
    ...cur,
    status: input.status,
    pr_url: pr?.url ?? cur.pr_url,
    error_message: input.status === "FAILED" ? (input.error ?? "Agent reported failure.") : null,
    cost_usd: input.cost_usd ?? cur.cost_usd,
    completed_at: iso(now),
    awaiting_approval_request_id: null,
  };
  const metadata: TaskEndedMetadata = { duration_s: Math.round((now - started) / 1000), pr_url: next.pr_url, cost_usd: next.cost_usd };
  if (next.error_message) metadata.error_message = next.error_message;
  return { next, metadata };
}

/**
 * An event a runner reports: session_started starts the task (RUNNING), pr_created records its
 * PR (checked, see prUrl.ts); nothing is accepted once the task ended.
 */
export function runnerEvent(
  cur: TaskState,
  type: RunnerEventType,
  metadata: Record<string, unknown>,
  webBase: string,
  now: number,
): Failure | { next: TaskState; event: NewEvent } {
  let next = cur;
  if (type === "session_started") {
    const bad = transitionProblem(cur, "RUNNING");
    if (bad) return bad;
    next = { ...cur, status: "RUNNING", started_at: iso(now), last_heartbeat_at: iso(now) };
  } else if (isTerminal(cur.status)) {
    return fail("TASK_TERMINAL", 409, `Task is already ${cur.status}.`);
  }
  if (type === "pr_created") {
    const pr = checkPrUrl(metadata.pr_url, cur.repo, webBase);
    if ("problem" in pr) return fail("VALIDATION_ERROR", 400, pr.problem);
    next = { ...next, pr_url: pr.url };
    metadata = { ...metadata, pr_url: pr.url };
  }
  return { next, event: { type, metadata } };
}

/** What a live task whose token was revoked records, after its pending approval's closing. */
export const revokedEvents =
  (s: TaskState, runnerId: string, reason: string) =>
  (closed: NewEvent[]): NewEvent[] => [
    ...closed,
    { type: "task_token_revoked", metadata: { runner_id: runnerId, prior_status: s.status } },
    { type: "task_failed", metadata: { error_message: reason } },
  ];

/** Why the task may not go to `to` now, or null when it may. */
export function transitionProblem(s: TaskState, to: TaskStatus): Failure | null {
  if (canTransition(s.status, to)) return null;
  if (isTerminal(s.status)) return fail("TASK_TERMINAL", 409, `Task is already ${s.status}.`);
  return fail("INVALID_TRANSITION", 409, `Task cannot go from ${s.status} to ${to}.`);
}
