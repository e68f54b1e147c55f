/**
 * POST /v1/admin/users {name} -> {user_id, token}
 * POST /v1/admin/runners {name, repos?} -> {runner_id, token, repos}: `repos` limits the runner to
 * tasks of repos matching one of these globs on owner/name (`*`, `?`; case-insensitive), e.g. ["acme/*"].
 */
import { z } from "zod";
import { LIMITS } from "../../shared/limits";
import { createPrincipal, type PrincipalTable, setRunnerRepoGlobs } from "../../store/principals";
import { issueToken } from "../../store/tokens";
import { parseBody } from "../body";
import type { AppContext } from "../context";
import { respond } from "../envelope";

const Name = z.string().trim().min(1).max(LIMITS.nameChars);
/** Only the characters of owner/name plus `*` and `?`: no `[` classes, so a glob means what it looks like. */
const RepoGlob = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9_.*?-]{1,100}\/[A-Za-z0-9_.*?-]{1,100}$/, "must be a glob on owner/name, e.g. acme/* or acme/web-?")
  .transform((g) => g.toLowerCase());
const UserBody = z.object({ name: Name }).strict();
const RunnerBody = z.object({ name: Name, repos: z.array(RepoGlob).min(1).max(50).optional() }).strict();

export const createPrincipalRoute = (table: PrincipalTable) => async (c: AppContext) => {
  const { name, repos } = table === "runners" ? await parseBody(c, RunnerBody) : { ...(await parseBody(c, UserBody)), repos: undefined };
  const { id, created_at } = await createPrincipal(c.env.DB, table, name);
  // Limits are in place before the runner's first token exists.
  if (repos) await setRunnerRepoGlobs(c.env.DB, id, repos);
  const token = await issueToken(c.env.DB, table === "users" ? "user" : "runner", id);
  if (table === "users") return respond(c, { user_id: id, name, token, created_at }, 201);
  return respond(c, { runner_id: id, name, token, created_at, repos: repos ?? null }, 201);
};
