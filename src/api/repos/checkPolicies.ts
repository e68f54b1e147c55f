/** Blueprint Cedar text is loaded (parsed, annotation-checked, schema-validated) before it is stored. */

import { BUILTIN_POLICIES, workerCedar } from "../../policy/cedarWorker";
import { type LoadedPolicySet, loadPolicySet, PolicyError } from "../../policy/loader";
import { type Blueprint, ruleIdProblem } from "../../shared/blueprint";
import { AppError } from "../../shared/errors";

export function checkBlueprintPolicies(blueprint: Blueprint): LoadedPolicySet {
  try {
    return loadPolicySet(workerCedar(), BUILTIN_POLICIES, blueprint);
  } catch (err) {
    if (err instanceof PolicyError) throw new AppError("VALIDATION_ERROR", 400, `Invalid policies: ${err.message}`);
    throw err;
  }
}

/**
 * Rule ids are capped (shared/blueprint.ts RULE_ID_RE) where a blueprint is accepted. The loader
 * itself takes any id, so blueprints stored before the cap still load.
 */
export function checkRuleIds(set: LoadedPolicySet): void {
  const problems = [...set.rules.keys()].map(ruleIdProblem).filter((p) => p !== null);
  if (problems.length) throw new AppError("VALIDATION_ERROR", 400, `Invalid policies: ${problems.slice(0, 5).join("; ")}`);
}
