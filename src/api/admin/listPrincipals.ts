/**
 * GET /v1/admin/users?limit=   -> {users: [{user_id, name, created_at, active_tokens}]}
 * GET /v1/admin/runners?limit= -> {runners: [{runner_id, name, created_at, active_tokens, repos}]}
 * Oldest first; `limit` 1-1000 (default 200).
 */
import { z } from "zod";
import { listPrincipals, type PrincipalTable } from "../../store/principals";
import { parseQuery } from "../body";
import type { AppContext } from "../context";
import { respond } from "../envelope";

const Query = z.object({ limit: z.coerce.number().int().min(1).max(1000).default(200) }).strict();

export const listPrincipalsRoute = (table: PrincipalTable) => async (c: AppContext) => {
  const { limit } = parseQuery(c, Query);
  const idKey = table === "users" ? "user_id" : "runner_id";
  const rows = await listPrincipals(c.env.DB, table, limit);
  return respond(c, { [table]: rows.map(({ id, ...rest }) => ({ [idKey]: id, ...rest })) });
};
