/** GET /v1/tasks/{id} (owner, admin or the task's own token). */

import { AppError } from "../../shared/errors";
import { isUlid } from "../../shared/ids";
import { taskStub } from "../../task/service";
import type { AppContext } from "../context";
import { respondResult } from "../envelope";

/** The task id path parameter; anything that is not a ULID cannot be a task. */
export function taskIdParam(c: AppContext): string {
  const id = c.req.param("id") ?? "";
  if (!isUlid(id)) throw new AppError("TASK_NOT_FOUND", 404, "Task not found.");
  return id;
}

export async function getTaskRoute(c: AppContext) {
  const id = taskIdParam(c);
  return respondResult(c, await taskStub(c.env, id).get(c.get("actor")));
}
