/** POST /v1/tasks (user): submit a task for an onboarded repo. 201 {data: task}. */
import { z } from "zod";
import { REPO_RE } from "../../shared/blueprint";
import { LIMITS } from "../../shared/limits";
import { type SubmitInput, submitTask } from "../../task/service";
import { userId } from "../auth";
import { parseBody } from "../body";
import type { AppContext } from "../context";
import { respond } from "../envelope";

const CreateTaskBody = z
  .object({
    repo: z.string().regex(REPO_RE, "must look like owner/name"),
    description: z.string().trim().min(1).max(LIMITS.descriptionChars),
    issue_number: z
      .int()
      .positive()
      .max(2 ** 31)
      .optional(),
    read_only: z.boolean().default(false),
    approval_timeout_s: z.int().min(LIMITS.approvalTimeoutS.min).max(LIMITS.approvalTimeoutS.max).optional(),
    max_lifetime_s: z.int().min(LIMITS.taskLifetimeS.min).max(LIMITS.taskLifetimeS.max).optional(),
    initial_approvals: z.array(z.string().trim().min(1).max(LIMITS.scopeChars)).max(LIMITS.initialApprovalsMax).default([]),
  })
  .strict();
export async function createTaskRoute(c: AppContext) {
  const input: SubmitInput = await parseBody(c, CreateTaskBody);
  return respond(c, await submitTask(c.env, userId(c.get("actor")), input), 201);
}
