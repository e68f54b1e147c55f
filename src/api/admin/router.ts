import { Hono } from "hono";
import type { AppEnv } from "../../env";
import { allow } from "../auth";
import { createPrincipalRoute } from "./createPrincipal";
import { listDeadLettersRoute, replayDeadLetterRoute } from "./deadLetters";
import { listPrincipalsRoute } from "./listPrincipals";
import { unlinkSlackUserRoute, unlinkUserSlackRoute } from "./slackLinks";
import { issueTokenRoute, revokeTokensRoute } from "./tokens";

export const adminRouter = new Hono<AppEnv>();
adminRouter.use("*", allow("admin"));
for (const table of ["users", "runners"] as const) {
  adminRouter.post(`/${table}`, createPrincipalRoute(table));
  adminRouter.get(`/${table}`, listPrincipalsRoute(table));
  adminRouter.post(`/${table}/:id/tokens`, issueTokenRoute(table));
  adminRouter.delete(`/${table}/:id/tokens`, revokeTokensRoute(table));
}
adminRouter.delete("/slack-links/:slack_user_id", unlinkSlackUserRoute);
adminRouter.delete("/users/:id/slack-links", unlinkUserSlackRoute);
adminRouter.get("/dead-letters", listDeadLettersRoute);
adminRouter.post("/dead-letters/:id/replay", replayDeadLetterRoute);
