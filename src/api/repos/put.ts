/** PUT /v1/repos/{owner}/{name} (admin): onboard a repo or replace its blueprint. */
import { BlueprintSchema, REPO_RE } from "../../shared/blueprint";
import { AppError } from "../../shared/errors";
import { LIMITS } from "../../shared/limits";
import { putRepo } from "../../store/repos";
import { parseBody } from "../body";
import type { AppContext } from "../context";
import { respond } from "../envelope";
import { checkBlueprintPolicies, checkRuleIds } from "./checkPolicies";

export async function putRepoRoute(c: AppContext) {
  const repo = repoParam(c);
  const blueprint = await parseBody(c, BlueprintSchema, LIMITS.blueprintPolicyBytes * 2 + 16 * 1024);
  checkRuleIds(checkBlueprintPolicies(blueprint));
  return respond(c, await putRepo(c.env.DB, repo, blueprint));
}

export function repoParam(c: AppContext): string {
  const repo = `${c.req.param("owner")}/${c.req.param("name")}`;
  if (!REPO_RE.test(repo)) throw new AppError("VALIDATION_ERROR", 400, "repo must look like owner/name.");
  return repo;
}
