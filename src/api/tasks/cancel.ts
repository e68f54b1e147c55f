/** POST /v1/tasks/{id}/cancel (owner or admin). 409 when the task already ended or is finalizing. */
import { taskStub } from "../../task/service";
import type { AppContext } from "../context";
import { respondResult } from "../envelope";
import { taskIdParam } from "./get";

export async function cancelTaskRoute(c: AppContext) {
  return respondResult(c, await taskStub(c.env, taskIdParam(c)).cancel(c.get("actor")));
}
