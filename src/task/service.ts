/**
 * What the REST routes and the Slack handlers both do to tasks: find a task's Durable Object,
 * submit a task, decide an approval. Routes parse HTTP into these calls; Slack handlers parse
 * Slack payloads into the same calls, so both paths obey the same checks.
 */
import type { Env } from "../env";
import { BUILTIN_POLICIES, workerCedar } from "../policy/cedarWorker";
import { loadPolicySet } from "../policy/loader";
import { formatScope, parseScope, scopeProblem } from "../policy/scopes";
import type { Blueprint } from "../shared/blueprint";
import { AppError, fail, type Result, unwrap } from "../shared/errors";
import { newId } from "../shared/ids";
import { LIMITS } from "../shared/limits";
import type { DecisionInput, DecisionResult, TaskInit } from "../shared/rpc";
import type { TaskView } from "../shared/types";
import { hit } from "../store/rateLimits";
import { getRepo } from "../store/repos";
import { offerToPools, poolsFor } from "./claims";

/** The Durable Object that owns one task (one per task id). */
export const taskStub = (env: Env, taskId: string) => env.TASKS.get(env.TASKS.idFromName(taskId));

/** A task as a user asks for it (POST /v1/tasks body, or what a Slack mention says). */
export interface SubmitInput {
  repo: string;
  description: string;
  issue_number?: number;
  read_only: boolean;
  approval_timeout_s?: number;
  /** Seconds until the task ends TIMED_OUT; default min(8 h, the repo's max_task_lifetime_s), never above that cap. */
  max_lifetime_s?: number;
  initial_approvals: string[];
}

export async function submitTask(
  env: Env,
  owner: string,
  input: SubmitInput,
  channel: Pick<TaskInit, "channel_source" | "channel_metadata"> = { channel_source: "api", channel_metadata: {} },
): Promise<TaskView> {
  const repo = await getRepo(env.DB, input.repo);
  if (!repo)
    throw new AppError(
      "REPO_NOT_ONBOARDED",
      422,
      `Repo ${input.repo} is not onboarded (an admin runs: bgagent admin put-repo ${input.repo}).`,
    );
  const bp = repo.blueprint;
  const initial_approvals = checkInitialApprovals(input.initial_approvals, bp);
  const init: TaskInit = {
    task_id: newId(),
    user_id: owner,
    repo: input.repo,
    issue_number: input.issue_number ?? null,
    description: input.description,
    read_only: input.read_only,
    approval_timeout_s: input.approval_timeout_s ?? bp.approval_timeout_s,
    approval_gate_cap: bp.approval_gate_cap,
    max_lifetime_s: lifetimeOf(input.max_lifetime_s, bp),
    initial_approvals,
    ...channel,
    policy: {
      hard_policies: bp.hard_policies,
      soft_policies: bp.soft_policies,
      disabled_rules: bp.disabled_rules,
      max_pre_approval_scope: bp.max_pre_approval_scope,
      allowed_tools: bp.allowed_tools,
      allowed_domains: bp.allowed_domains,
    },
  };
  const pools = poolsFor(env, init.repo);
  const task = unwrap(await taskStub(env, init.task_id).create(init));
  await offerToPools(env, task, await pools);
  return task;
}

/** The lifetime a task asks for, within its repo's cap; the default (8 h) is capped too. */
function lifetimeOf(asked: number | undefined, bp: Blueprint): number {
  const cap = bp.max_task_lifetime_s;
  if (asked === undefined) return Math.min(LIMITS.taskLifetimeS.default, cap);
  if (asked > cap) throw new AppError("VALIDATION_ERROR", 400, `max_lifetime_s: this repo allows at most ${cap}s (max_task_lifetime_s).`);
  return asked;
}

/** Submit-time scopes obey the same grammar and repo maximum as approvals; returns them normalised. */
function checkInitialApprovals(raw: string[], bp: Blueprint): string[] {
  if (raw.length === 0) return []; // most submits: no need to load the repo's policies here
  const set = loadPolicySet(workerCedar(), BUILTIN_POLICIES, bp);
  return raw.map((r, i) => {
    const parsed = parseScope(r);
    const problem = parsed.ok ? scopeProblem(parsed.scope, bp.max_pre_approval_scope, set) : parsed.error;
    if (problem || !parsed.ok) throw new AppError("VALIDATION_ERROR", 400, `initial_approvals.${i}: ${problem}`);
    return formatScope(parsed.scope);
  });
}

const DECISIONS_PER_MINUTE = 30;

/** The one decision path, for REST and Slack: rate limit, then the task's DO decides. */
export async function decideApproval(
  env: Env,
  userId: string,
  taskId: string,
  requestId: string,
  input: DecisionInput,
): Promise<Result<DecisionResult>> {
  if (!(await hit(env.DB, `decide#${userId}`, DECISIONS_PER_MINUTE))) {
    return fail("RATE_LIMIT_EXCEEDED", 429, `Rate limit exceeded (${DECISIONS_PER_MINUTE} decisions/minute). Try again shortly.`);
  }
  return taskStub(env, taskId).decide({ kind: "user", user_id: userId }, requestId, input);
}
