/** GET /v1/tasks/{id}/events?after=&limit= : the task's audit trail, oldest first. */
import { z } from "zod";
import { unwrap } from "../../shared/errors";
import { listEvents } from "../../store/tasks";
import { taskStub } from "../../task/service";
import { parseQuery } from "../body";
import type { AppContext } from "../context";
import { respond } from "../envelope";
import { taskIdParam } from "./get";

const Query = z.object({
  after: z.string().max(26).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(200),
});

export async function listEventsRoute(c: AppContext) {
  const id = taskIdParam(c);
  const q = parseQuery(c, Query);
  unwrap(await taskStub(c.env, id).get(c.get("actor"))); // ownership check
  return respond(c, { events: await listEvents(c.env.DB, id, q.after, q.limit) });
}
