/**
 * POST   /v1/admin/{users|runners}/{id}/tokens -> {token}   (an extra token, e.g. for a new laptop)
 * DELETE /v1/admin/{users|runners}/{id}/tokens -> {revoked, tasks_revoked} (revoke every token of
 *   that principal; for a runner also the task token of every live task it claimed: those tasks fail)
 */
import { AppError, unwrap } from "../../shared/errors";
import { type PrincipalTable, principalExists } from "../../store/principals";
import { liveTaskIdsOfRunner } from "../../store/tasks";
import { issueToken, revokeTokens } from "../../store/tokens";
import { taskStub } from "../../task/service";
import type { AppContext } from "../context";
import { respond } from "../envelope";

async function principalId(c: AppContext, table: PrincipalTable): Promise<string> {
  const id = c.req.param("id") ?? "";
  if (!(await principalExists(c.env.DB, table, id))) {
    throw new AppError("NOT_FOUND", 404, `No ${table === "users" ? "user" : "runner"} ${id}.`);
  }
  return id;
}

export const issueTokenRoute = (table: PrincipalTable) => async (c: AppContext) => {
  const id = await principalId(c, table);
  return respond(c, { token: await issueToken(c.env.DB, table === "users" ? "user" : "runner", id) }, 201);
};

export const revokeTokensRoute = (table: PrincipalTable) => async (c: AppContext) => {
  const id = await principalId(c, table);
  // Tokens first: a claim that completes after this sees them revoked and undoes itself (runner/claim.ts).
  const revoked = await revokeTokens(c.env.DB, id);
  if (table === "users") return respond(c, { revoked });
  let tasks_revoked = 0;
  for (const taskId of await liveTaskIdsOfRunner(c.env.DB, id)) {
    const r = unwrap(await taskStub(c.env, taskId).revokeToken(id));
    if (r.revoked) tasks_revoked++;
  }
  return respond(c, { revoked, tasks_revoked });
};
