/** Blueprint Cedar text is loaded (parsed, annotation-checked, rule ids capped, schema-validated) before it is stored. */

import { BUILTIN_POLICIES, workerCedar } from "../../policy/cedarWorker";
import { type LoadedPolicySet, loadPolicySet, PolicyError } from "../../policy/loader";
import type { Blueprint } from "../../shared/blueprint";
import { AppError } from "../../shared/errors";

export function checkBlueprintPolicies(blueprint: Blueprint): LoadedPolicySet {
  try {
    return loadPolicySet(workerCedar(), BUILTIN_POLICIES, blueprint);
  } catch (err) {
    if (err instanceof PolicyError) throw new AppError("VALIDATION_ERROR", 400, `Invalid policies: ${err.message}`);
    throw err;
  }
}
