/** The body of a task submit, as POST /v1/tasks and the Slack submit modal both check it. */
import { z } from "zod";
import { REPO_RE } from "./blueprint";
import { LIMITS } from "./limits";

export const CreateTaskBody = z
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
