/**
 * POST /v1/runner/claim?wait=<s> (runner): the oldest SUBMITTED task, moved to HYDRATING, with a
 * task-scoped token. Long-polls up to `wait` seconds; 204 when nothing turned up.
 */
import { z } from "zod";
import { unwrap } from "../../shared/errors";
import { LIMITS } from "../../shared/limits";
import { claimableTaskIds } from "../../store/tasks";
import { parseQuery } from "../body";
import { type AppContext, taskStub } from "../context";
import { respond } from "../envelope";

const Query = z.object({ wait: z.coerce.number().min(0).max(LIMITS.claimWaitS).default(0) });
const POLL_MS = 500;

export async function claimRoute(c: AppContext) {
  const { wait } = parseQuery(c, Query);
  const actor = c.get("actor");
  const runnerId = actor.kind === "runner" ? actor.runner_id : "";
  const deadline = Date.now() + wait * 1000;
  for (;;) {
    for (const id of await claimableTaskIds(c.env.DB, 5)) {
      const claimed = unwrap(await taskStub(c.env, id).claim(runnerId));
      if (claimed) return respond(c, claimed);
    }
    if (Date.now() + POLL_MS > deadline) return c.body(null, 204);
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}
