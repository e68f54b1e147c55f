/**
 * POST /v1/runner/claim?wait=<s> (runner): the oldest SUBMITTED task within the runner's repo
 * limits, moved to HYDRATING, with a task-scoped token. With `wait`, a runner that finds nothing
 * waits up to that long in its runner pool and is handed a task the moment one is submitted
 * (task/claims.ts); 204 when nothing turned up. `Server-Timing: d1;desc=<n>` says how many D1
 * queries the call made (the plan limits them per invocation).
 */
import { z } from "zod";
import { AppError } from "../../shared/errors";
import { LIMITS } from "../../shared/limits";
import { countingD1 } from "../../store/queryCount";
import { claimNext } from "../../task/claims";
import { parseQuery } from "../body";
import type { AppContext } from "../context";
import { respond } from "../envelope";

const Query = z.object({ wait: z.coerce.number().min(0).max(LIMITS.claimWaitS).default(0) });
/** The runner token's lookup by `authenticate`, before this route runs. */
const AUTH_D1_QUERIES = 1;

export async function claimRoute(c: AppContext) {
  const { wait } = parseQuery(c, Query);
  const actor = c.get("actor");
  if (actor.kind !== "runner") throw new AppError("FORBIDDEN", 403, "This route is for runner tokens.");
  const d1 = countingD1(c.env.DB);
  const claimed = await claimNext({ ...c.env, DB: d1.db }, actor, wait);
  c.header("Server-Timing", `d1;desc="${AUTH_D1_QUERIES + d1.count()}"`);
  return claimed ? respond(c, claimed) : c.body(null, 204);
}
