/**
 * POST   /v1/admin/{users|runners}/{id}/tokens -> {token}   (an extra token, e.g. for a new laptop)
 * DELETE /v1/admin/{users|runners}/{id}/tokens -> {revoked} (revoke every token of that principal)
 */
import { AppError } from "../../shared/errors";
import { type PrincipalTable, principalExists } from "../../store/principals";
import { issueToken, revokeTokens } from "../../store/tokens";
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
  return respond(c, { revoked: await revokeTokens(c.env.DB, id) });
};
