/** Worker entry: HTTP (Hono), queue consumers, cron. Exports the Durable Object class. */
import { buildApp } from "./api/app";
import { handleQueue } from "./dispatch/consumer";
import type { Env } from "./env";
import { setLogLevel } from "./shared/log";
import { mountSlack } from "./slack/routes";
import { reconcile } from "./task/reconciler";
import { pruneHistory } from "./task/retention";

export { TaskDO } from "./task/TaskDO";

const app = buildApp(mountSlack);

export default {
  fetch: (req, env, ctx) => {
    setLogLevel(env.LOG_LEVEL);
    return app.fetch(req, env, ctx);
  },
  queue: (batch, env, _ctx) => {
    setLogLevel(env.LOG_LEVEL);
    return handleQueue(batch, env);
  },
  scheduled: async (controller, env) => {
    setLogLevel(env.LOG_LEVEL);
    await reconcile(env, controller.scheduledTime);
    await pruneHistory(env, controller.scheduledTime);
  },
} satisfies ExportedHandler<Env>;
