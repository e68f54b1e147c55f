/**
 * PUT /v1/repos/{owner}/{name} (admin): onboard a repo or replace its blueprint.
 * With `If-None-Match: *` it only onboards: 409 CONFLICT when the repo exists (its blueprint is kept).
 * Approvers must be existing users (400 otherwise): an unknown id would silently approve nothing.
 */
import { BlueprintSchema, REPO_RE } from "../../shared/blueprint";
import { AppError } from "../../shared/errors";
import { LIMITS } from "../../shared/limits";
import { unknownUsers } from "../../store/principals";
import { insertRepoIfAbsent, putRepo } from "../../store/repos";
import { parseBody } from "../body";
import type { AppContext } from "../context";
import { respond } from "../envelope";
import { checkBlueprintPolicies, checkRuleIds } from "./checkPolicies";

export async function putRepoRoute(c: AppContext) {
  const repo = repoParam(c);
  const blueprint = await parseBody(c, BlueprintSchema, LIMITS.blueprintPolicyBytes * 2 + 16 * 1024);
  checkRuleIds(checkBlueprintPolicies(blueprint));
  const unknown = await unknownUsers(c.env.DB, [...new Set(blueprint.approvers)]);
  if (unknown.length) {
    throw new AppError(
      "VALIDATION_ERROR",
      400,
      `approvers: no such user ${unknown.join(", ")} (approvers are user ids from admin create-user).`,
    );
  }
  if (c.req.header("if-none-match")?.trim() === "*") {
    const created = await insertRepoIfAbsent(c.env.DB, repo, blueprint);
    if (!created) throw new AppError("CONFLICT", 409, `Repo ${repo} is already onboarded; its blueprint was kept.`);
    return respond(c, created, 201);
  }
  return respond(c, await putRepo(c.env.DB, repo, blueprint));
}

export function repoParam(c: AppContext): string {
  const repo = `${c.req.param("owner")}/${c.req.param("name")}`;
  if (!REPO_RE.test(repo)) throw new AppError("VALIDATION_ERROR", 400, "repo must look like owner/name.");
  return repo;
}
