/** POST /v1/tasks (user): submit a task for an onboarded repo. 201 {data: task}. */
import { CreateTaskBody } from "../../shared/taskInput";
import { type SubmitInput, submitTask } from "../../task/service";
import { userId } from "../auth";
import { parseBody } from "../body";
import type { AppContext } from "../context";
import { respond } from "../envelope";

export async function createTaskRoute(c: AppContext) {
  const input: SubmitInput = await parseBody(c, CreateTaskBody);
  return respond(c, await submitTask(c.env, userId(c.get("actor")), input), 201);
}
