/**
 * Calls a runner makes with its task token:
 * POST /v1/tasks/{id}/events {type, metadata}, POST /v1/tasks/{id}/heartbeat, POST /v1/tasks/{id}/finish.
 */
import { z } from "zod";
import { RUNNER_EVENT_TYPES } from "../../shared/events";
import { LIMITS } from "../../shared/limits";
import { taskStub } from "../../task/service";
import { parseBody } from "../body";
import type { AppContext } from "../context";
import { respondResult } from "../envelope";
import { taskIdParam } from "./get";

const EventBody = z
  .object({
    type: z.enum(RUNNER_EVENT_TYPES),
    metadata: z.record(z.string(), z.unknown()).default({}),
  })
  .strict()
  .refine((b) => JSON.stringify(b.metadata).length <= LIMITS.eventMetadataBytes, {
    message: `metadata exceeds ${LIMITS.eventMetadataBytes} bytes`,
  });

export async function postEventRoute(c: AppContext) {
  const id = taskIdParam(c);
  const body = await parseBody(c, EventBody);
  return respondResult(c, await taskStub(c.env, id).postEvent(c.get("actor"), body.type, body.metadata), 202);
}

export async function heartbeatRoute(c: AppContext) {
  return respondResult(c, await taskStub(c.env, taskIdParam(c)).heartbeat(c.get("actor")));
}

const FinishBody = z
  .object({
    status: z.enum(["COMPLETED", "FAILED"]),
    pr_url: z.url().max(500).optional(),
    error: z.string().max(2000).optional(),
    cost_usd: z.number().min(0).max(1e6).optional(),
  })
  .strict();

export async function finishRoute(c: AppContext) {
  const id = taskIdParam(c);
  const body = await parseBody(c, FinishBody);
  return respondResult(c, await taskStub(c.env, id).finish(c.get("actor"), body));
}
