import type { Context } from "hono";
import type { AppEnv } from "../env";

export type AppContext = Context<AppEnv>;
