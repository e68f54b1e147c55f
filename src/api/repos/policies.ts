/** GET /v1/repos/{owner}/{name}/policies: the rules a task in this repo runs under, per tier. */
import { AppError } from "../../shared/errors";
import { getRepo } from "../../store/repos";
import type { AppContext } from "../context";
import { respond } from "../envelope";
import { checkBlueprintPolicies } from "./checkPolicies";
import { repoParam } from "./put";

export async function repoPoliciesRoute(c: AppContext) {
  const repo = repoParam(c);
  const record = await getRepo(c.env.DB, repo);
  if (!record) throw new AppError("REPO_NOT_ONBOARDED", 422, `Repo ${repo} is not onboarded.`);
  const set = checkBlueprintPolicies(record.blueprint);
  const rules = [...set.rules.values()].map((r) => ({ ...r, disabled: set.disabled.has(r.rule_id) }));
  return respond(c, {
    repo_id: repo,
    max_pre_approval_scope: record.blueprint.max_pre_approval_scope,
    approval_gate_cap: record.blueprint.approval_gate_cap,
    policies: { hard: rules.filter((r) => r.tier === "hard"), soft: rules.filter((r) => r.tier === "soft") },
    warnings: set.warnings,
  });
}
