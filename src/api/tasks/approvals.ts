/**
 * GET  /v1/tasks/{id}/approvals/{rid}?wait=<s>  (task token or a decider): long-poll for the decision.
 * POST /v1/tasks/{id}/approve {request_id, scope?}  (owner or repo approver) -> 202
 * POST /v1/tasks/{id}/deny    {request_id, reason?} (owner or repo approver) -> 202
 * Decisions share one rate bucket per user (30/minute), with the Slack buttons.
 */
import { z } from "zod";
import { AppError } from "../../shared/errors";
import { isUlid } from "../../shared/ids";
import { LIMITS } from "../../shared/limits";
import { decideApproval, taskStub } from "../../task/service";
import { parseBody, parseQuery } from "../body";
import type { AppContext } from "../context";
import { respondResult } from "../envelope";
import { WaitQuery } from "./gate";
import { taskIdParam } from "./get";

const RequestId = z.string().refine(isUlid, "must be a request id");
const ApproveBody = z
  .object({ request_id: RequestId, decision: z.literal("approve").optional(), scope: z.string().max(LIMITS.scopeChars).optional() })
  .strict();
// The reason is capped after redaction; accept a little more raw text than we keep.
const DenyBody = z
  .object({
    request_id: RequestId,
    decision: z.literal("deny").optional(),
    reason: z
      .string()
      .max(LIMITS.denyReasonChars * 4)
      .optional(),
  })
  .strict();

export async function approvalStatusRoute(c: AppContext) {
  const id = taskIdParam(c);
  const rid = c.req.param("rid") ?? "";
  if (!isUlid(rid)) throw new AppError("REQUEST_NOT_FOUND", 404, "Approval request not found or not owned by caller.");
  const { wait } = parseQuery(c, WaitQuery);
  return respondResult(c, await taskStub(c.env, id).approvalStatus(c.get("actor"), rid, wait));
}

const callerId = (c: AppContext): string => {
  const a = c.get("actor");
  if (a.kind !== "user") throw new AppError("FORBIDDEN", 403, "Only users decide approvals.");
  return a.user_id;
};

export async function approveRoute(c: AppContext) {
  const id = taskIdParam(c);
  const body = await parseBody(c, ApproveBody);
  return respondResult(
    c,
    await decideApproval(c.env, callerId(c), id, body.request_id, { decision: "approve", scopes: body.scope ? [body.scope] : undefined }),
    202,
  );
}

export async function denyRoute(c: AppContext) {
  const id = taskIdParam(c);
  const body = await parseBody(c, DenyBody);
  return respondResult(c, await decideApproval(c.env, callerId(c), id, body.request_id, { decision: "deny", reason: body.reason }), 202);
}
