import type { Context } from "hono";
import type { Env } from "../env";
import type { Actor } from "../shared/types";

export type AppEnv = { Bindings: Env; Variables: { requestId: string; actor: Actor; logged?: boolean } };
export type AppContext = Context<AppEnv>;

export const taskStub = (env: Env, taskId: string) => env.TASKS.get(env.TASKS.idFromName(taskId));
