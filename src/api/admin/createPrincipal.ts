/** POST /v1/admin/users {name} -> {user_id, token}; POST /v1/admin/runners {name} -> {runner_id, token}. */
import { z } from "zod";
import { LIMITS } from "../../shared/limits";
import { createPrincipal, type PrincipalTable } from "../../store/principals";
import { issueToken } from "../../store/tokens";
import { parseBody } from "../body";
import type { AppContext } from "../context";
import { respond } from "../envelope";

const Body = z.object({ name: z.string().trim().min(1).max(LIMITS.nameChars) }).strict();

export const createPrincipalRoute = (table: PrincipalTable) => async (c: AppContext) => {
  const { name } = await parseBody(c, Body);
  const { id, created_at } = await createPrincipal(c.env.DB, table, name);
  const token = await issueToken(c.env.DB, table === "users" ? "user" : "runner", id);
  const idField = table === "users" ? "user_id" : "runner_id";
  return respond(c, { [idField]: id, name, token, created_at }, 201);
};
