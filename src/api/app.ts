/** The Hono app: request ids, auth, routers, error envelope. Wiring only. */
import { Hono } from "hono";
import type { AppEnv } from "../env";
import { errorBody } from "../shared/http";
import { newId } from "../shared/ids";
import { log } from "../shared/log";
import { adminRouter } from "./admin/router";
import { allow, authenticate } from "./auth";
import { onError } from "./envelope";
import { metricsRoute } from "./metrics";
import { pendingRoute } from "./pending";
import { reposRouter } from "./repos/router";
import { claimRoute } from "./runner/claim";
import { putChannelRoute } from "./slack/channels";
import { slackLinkRoute, slackUnlinkRoute } from "./slack/link";
import { tasksRouter } from "./tasks/router";

export function buildApp(mount: (app: Hono<AppEnv>) => void = () => {}) {
  const app = new Hono<AppEnv>();
  app.use("*", async (c, next) => {
    const id = newId();
    const started = Date.now();
    c.set("requestId", id);
    await next();
    c.header("X-Request-Id", id);
    // One line per request (the path carries the task id where there is one; never a query or body),
    // unless the route wrote a richer line of its own (the gate: one line per decision, hot path).
    if (!c.get("logged"))
      log("api.request", { request_id: id, method: c.req.method, path: c.req.path, status: c.res.status, ms: Date.now() - started });
  });
  app.onError(onError);
  app.notFound((c) => c.json(errorBody("NOT_FOUND", `No route for ${c.req.method} ${c.req.path}.`, c.get("requestId")), 404));

  app.get("/", (c) => c.json({ data: { service: "bgagent", ok: true } }));
  mount(app);

  const v1 = new Hono<AppEnv>();
  v1.use("*", authenticate);
  v1.route("/admin", adminRouter);
  v1.route("/repos", reposRouter);
  v1.route("/tasks", tasksRouter);
  v1.post("/runner/claim", allow("runner"), claimRoute);
  v1.get("/pending", allow("user"), pendingRoute);
  v1.get("/metrics", allow("admin"), metricsRoute);
  v1.post("/slack/link", allow("user"), slackLinkRoute);
  v1.delete("/slack/link", allow("user"), slackUnlinkRoute);
  v1.put("/slack/channels/:channel", allow("admin"), putChannelRoute);
  app.route("/v1", v1);
  return app;
}
