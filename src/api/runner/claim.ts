/**
 * POST /v1/runner/claim?wait=<s> (runner): the oldest SUBMITTED task within the runner's repo
 * limits, moved to HYDRATING, with a task-scoped token. Long-polls up to `wait` seconds; 204 when
 * nothing turned up.
 */
import { z } from "zod";
import { AppError, unwrap } from "../../shared/errors";
import { LIMITS } from "../../shared/limits";
import { runnerRepoGlobs } from "../../store/principals";
import { claimableTaskIds } from "../../store/tasks";
import { findToken } from "../../store/tokens";
import { taskStub } from "../../task/service";
import { parseQuery } from "../body";
import type { AppContext } from "../context";
import { respond } from "../envelope";

const Query = z.object({ wait: z.coerce.number().min(0).max(LIMITS.claimWaitS).default(0) });
const POLL_MS = 500;

export async function claimRoute(c: AppContext) {
  const { wait } = parseQuery(c, Query);
  const actor = c.get("actor");
  if (actor.kind !== "runner") throw new AppError("FORBIDDEN", 403, "This route is for runner tokens.");
  const globs = await runnerRepoGlobs(c.env.DB, actor.runner_id);
  const deadline = Date.now() + wait * 1000;
  for (;;) {
    for (const id of await claimableTaskIds(c.env.DB, 5, globs)) {
      const claimed = unwrap(await taskStub(c.env, id).claim(actor.runner_id));
      if (!claimed) continue;
      // The runner's tokens may have been revoked while this call waited. Revocation writes the
      // tokens first, then revokes the live tasks D1 lists for the runner; the claim has written its
      // record by now (unless D1 failed and the outbox still retries), so checking after it closes the gap.
      const row = await findToken(c.env.DB, actor.token_hash);
      if (!row || row.revoked_at) {
        await taskStub(c.env, id).revokeToken(actor.runner_id);
        throw new AppError("UNAUTHORIZED", 401, "Invalid or revoked token.");
      }
      return respond(c, claimed);
    }
    if (Date.now() + POLL_MS > deadline) return c.body(null, 204);
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}
