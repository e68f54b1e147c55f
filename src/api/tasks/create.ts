/** POST /v1/tasks (user): submit a task for an onboarded repo. 201 {data: task}. */
import { z } from "zod";
import type { Env } from "../../env";
import { type Blueprint, REPO_RE } from "../../policy/blueprint";
import { BUILTIN_POLICIES, workerCedar } from "../../policy/cedarWorker";
import { loadPolicySet } from "../../policy/loader";
import { formatScope, parseScope, scopeProblem } from "../../policy/scopes";
import { AppError, unwrap } from "../../shared/errors";
import { newId } from "../../shared/ids";
import { LIMITS } from "../../shared/limits";
import type { TaskView } from "../../shared/types";
import { getRepo } from "../../store/repos";
import type { TaskInit } from "../../task/TaskDO";
import { userId } from "../auth";
import { parseBody } from "../body";
import { type AppContext, taskStub } from "../context";
import { respond } from "../envelope";

export const CreateTaskBody = z
  .object({
    repo: z.string().regex(REPO_RE, "must look like owner/name"),
    description: z.string().trim().min(1).max(LIMITS.descriptionChars),
    issue_number: z.int().positive().max(2 ** 31).optional(),
    read_only: z.boolean().default(false),
    approval_timeout_s: z.int().min(LIMITS.approvalTimeoutS.min).max(LIMITS.approvalTimeoutS.max).optional(),
    initial_approvals: z.array(z.string().trim().min(1).max(LIMITS.scopeChars)).max(LIMITS.initialApprovalsMax).default([]),
  })
  .strict();
export type CreateTaskInput = z.infer<typeof CreateTaskBody>;

/** Shared by the REST route and the Slack mention handler. */
export async function submitTask(
  env: Env,
  owner: string,
  input: CreateTaskInput,
  channel: Pick<TaskInit, "channel_source" | "channel_metadata"> = { channel_source: "api", channel_metadata: {} },
): Promise<TaskView> {
  const repo = await getRepo(env.DB, input.repo);
  if (!repo) throw new AppError("REPO_NOT_ONBOARDED", 422, `Repo ${input.repo} is not onboarded (an admin runs: bgagent admin put-repo ${input.repo}).`);
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
  return unwrap(await taskStub(env, init.task_id).create(init));
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

export async function createTaskRoute(c: AppContext) {
  const input = await parseBody(c, CreateTaskBody);
  return respond(c, await submitTask(c.env, userId(c.get("actor")), input), 201);
}
