/** GET /v1/tasks?status=&limit=&before= : the caller's tasks, newest first (admin: everyone's). */
import { z } from "zod";
import { LIMITS } from "../../shared/limits";
import { TASK_STATUSES } from "../../shared/taskStatus";
import { listTasks } from "../../store/tasks";
import { parseQuery } from "../body";
import type { AppContext } from "../context";
import { respond } from "../envelope";

const Query = z.object({
  status: z.enum(TASK_STATUSES).optional(),
  limit: z.coerce.number().int().min(1).max(LIMITS.listLimit.max).default(LIMITS.listLimit.default),
  before: z.string().max(26).optional(),
});

export async function listTasksRoute(c: AppContext) {
  const q = parseQuery(c, Query);
  const actor = c.get("actor");
  const tasks = await listTasks(c.env.DB, { ...q, user_id: actor.kind === "user" ? actor.user_id : undefined });
  const next = tasks.length === q.limit ? tasks[tasks.length - 1].id : null;
  return respond(c, { tasks, next_before: next });
}
