/** Blueprint Cedar text is validated by the policy loader before it is stored. */
import type { Blueprint } from "../../policy/blueprint";

export function checkBlueprintPolicies(_blueprint: Blueprint): void {}
