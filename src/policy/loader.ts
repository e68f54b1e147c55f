/**
 * Loads a policy set: built-in hard/soft Cedar plus a repo blueprint's extra text and disabled
 * rules. Checks annotations (tier, unique rule_id, timeout, severity), rejects disabling hard
 * rules, validates everything against the Cedar schema in strict mode, then pre-parses it once
 * per isolate. Any problem is a PolicyError with a precise message.
 */
import { SEVERITIES, type Severity } from "../shared/approval";
import { type Blueprint, ruleIdProblem } from "../shared/blueprint";
import { type CedarApi, messages } from "./cedar";
import { compileRule, type InterpretedRule } from "./interpret";

export type Tier = "hard" | "soft";

export interface Rule {
  rule_id: string;
  tier: Tier;
  builtin: boolean;
  timeout_s: number | null;
  severity: Severity;
  category: string | null;
  summary: string;
}

export interface PolicySources {
  hard: string;
  soft: string;
  schema: string;
}

export interface LoadedPolicySet {
  rules: Map<string, Rule>;
  disabled: Set<string>;
  warnings: string[];
  /** Pre-parsed cedar-wasm policy sets (both tiers), one per action. */
  setIds: Record<string, string>;
  /** Per action, the rules when all of them can be interpreted in TypeScript (interpret.ts); else absent. */
  interpreted: Record<string, InterpretedRule[]>;
  /** Each action's context attributes and their types, from the schema: every request is checked against them. */
  contexts: Record<string, Record<string, AttrType>>;
  /** Tool names (globs) the repo allows without a model, and the domains WebFetch may reach (empty: any). */
  allowed_tools: string[];
  allowed_domains: string[];
}

export class PolicyError extends Error {
  override name = "PolicyError";
}

export type AttrType = "String" | "Bool" | "Set<String>";

/**
 * The context each action takes, read from the schema text (ours: `name: String|Bool|Set<String>`).
 * Requests are checked against it in TypeScript instead of by Cedar on every call (which costs more
 * than the evaluation): a missing, extra or mistyped attribute is an error, so the gate fails closed.
 */
function schemaContexts(schema: string): Record<string, Record<string, AttrType>> {
  const out: Record<string, Record<string, AttrType>> = {};
  for (const m of schema.matchAll(/action\s+(\w+)\s+appliesTo\s*\{[\s\S]*?context:\s*\{([\s\S]*?)\}\s*\}/g)) {
    const attrs: Record<string, AttrType> = {};
    for (const a of m[2].replace(/\/\/[^\n]*/g, "").matchAll(/(\w+)\s*:\s*(String|Bool|Set<String>)\s*,?/g)) attrs[a[1]] = a[2] as AttrType;
    out[m[1]] = attrs;
  }
  return out;
}

export const MIN_TIMEOUT_S = 30;
/** The actions of policies/schema.cedarschema. */
const ACTIONS = ["invoke_tool", "write_file", "read_file", "execute_bash"] as const;
export const WARN_TIMEOUT_S = 120;
const SCHEMA_NAME = "bgagent";
const BASE_PERMIT = "permit (principal, action, resource);";

type BlueprintPolicies = Pick<Blueprint, "hard_policies" | "soft_policies" | "disabled_rules"> &
  Partial<Pick<Blueprint, "allowed_tools" | "allowed_domains">>;

interface Parsed {
  rule: Rule;
  text: string;
  /** The policy's JSON form (Cedar's EST), for the interpreter. */
  est: unknown;
  /** The actions the policy's scope names; null: every action. */
  actions: string[] | null;
}

/** The actions a policy's scope names (`action == A`, `action in [A, B]`), or null for any action. */
function scopeActions(scope: unknown): string[] | null {
  const a = scope as { op?: string; entity?: { id?: string }; entities?: { id?: string }[] } | undefined;
  if (a?.op === "==" && a.entity?.id) return [a.entity.id];
  if (a?.op === "in" && Array.isArray(a.entities) && a.entities.every((e) => e.id)) return a.entities.map((e) => e.id!);
  return null;
}

function parseTier(cedar: CedarApi, text: string, tier: Tier, builtin: boolean, where: string, warnings: string[]): Parsed[] {
  if (!text.trim()) return [];
  const parts = cedar.policySetTextToParts(text);
  if (parts.type === "failure") throw new PolicyError(`${where}: ${messages(parts.errors)}`);
  if (parts.policy_templates.length) throw new PolicyError(`${where}: templates are not supported`);
  return parts.policies.map((p) => {
    const j = cedar.policyToJson(p);
    if (j.type === "failure") throw new PolicyError(`${where}: ${messages(j.errors)}`);
    const a = j.json.annotations ?? {};
    const id = a.rule_id;
    if (!id) throw new PolicyError(`${where}: every policy needs @rule_id("...")`);
    // Ids reach Slack cards, confirm texts and action values: short and plain, checked here as well
    // as when a blueprint is stored, so one stored before the cap fails closed instead of overflowing.
    const badId = ruleIdProblem(id);
    if (badId) throw new PolicyError(`${where}: ${badId}`);
    const at = `${where}: rule ${id}`;
    if (j.json.effect !== "forbid") throw new PolicyError(`${at}: only forbid policies are allowed (a tier lists what to stop)`);
    if (a.tier !== tier) throw new PolicyError(`${at}: @tier must be "${tier}" in this file (got ${a.tier ? `"${a.tier}"` : "none"})`);
    let timeout: number | null = null;
    if (a.approval_timeout_s !== undefined) {
      if (tier === "hard") throw new PolicyError(`${at}: @approval_timeout_s only applies to soft rules`);
      if (!/^\d+$/.test(a.approval_timeout_s)) throw new PolicyError(`${at}: @approval_timeout_s must be a whole number of seconds`);
      timeout = Number(a.approval_timeout_s);
      if (timeout < MIN_TIMEOUT_S) throw new PolicyError(`${at}: @approval_timeout_s must be at least ${MIN_TIMEOUT_S}`);
      if (timeout < WARN_TIMEOUT_S)
        warnings.push(`${at}: @approval_timeout_s ${timeout} is under ${WARN_TIMEOUT_S}s; humans may not answer in time`);
    }
    const severity = (a.severity ?? "medium") as Severity;
    if (!SEVERITIES.includes(severity)) throw new PolicyError(`${at}: @severity must be low, medium or high`);
    return {
      text: p,
      est: j.json,
      actions: scopeActions(j.json.action),
      rule: {
        rule_id: id,
        tier,
        builtin,
        timeout_s: timeout,
        severity,
        category: a.category ?? null,
        summary: a.summary ?? "(no summary)",
      },
    };
  });
}

let nextSetId = 0;
const cache = new Map<string, LoadedPolicySet>();
const schemasLoaded = new Set<string>();

export function loadPolicySet(cedar: CedarApi, sources: PolicySources, bp: BlueprintPolicies): LoadedPolicySet {
  const tools = { allowed_tools: bp.allowed_tools ?? [], allowed_domains: bp.allowed_domains ?? [] };
  const key = JSON.stringify([
    sources.hard,
    sources.soft,
    sources.schema,
    bp.hard_policies,
    bp.soft_policies,
    [...bp.disabled_rules].sort(),
    tools,
  ]);
  const hit = cache.get(key);
  if (hit) return hit;

  const warnings: string[] = [];
  const all = [
    ...parseTier(cedar, sources.hard, "hard", true, "built-in hard policies", warnings),
    ...parseTier(cedar, sources.soft, "soft", true, "built-in soft policies", warnings),
    ...parseTier(cedar, bp.hard_policies, "hard", false, "blueprint hard_policies", warnings),
    ...parseTier(cedar, bp.soft_policies, "soft", false, "blueprint soft_policies", warnings),
  ];
  const rules = new Map<string, Rule>();
  for (const { rule } of all) {
    if (rule.rule_id === "base_permit") throw new PolicyError(`rule id base_permit is reserved`);
    if (rules.has(rule.rule_id)) throw new PolicyError(`duplicate @rule_id "${rule.rule_id}" (rule ids are unique across both tiers)`);
    rules.set(rule.rule_id, rule);
  }
  for (const id of bp.disabled_rules) {
    const r = rules.get(id);
    if (!r) throw new PolicyError(`disabled rule "${id}" does not exist`);
    if (r.tier === "hard") throw new PolicyError(`cannot disable hard rule "${id}"; hard-deny is absolute`);
  }

  if (!schemasLoaded.has(sources.schema)) {
    const s = cedar.checkParseSchema(sources.schema);
    if (s.type === "failure") throw new PolicyError(`schema: ${messages(s.errors)}`);
    const pre = cedar.preparseSchema(SCHEMA_NAME, sources.schema);
    if (pre.type === "failure") throw new PolicyError(`schema: ${messages(pre.errors)}`);
    schemasLoaded.clear();
    schemasLoaded.add(sources.schema);
  }

  // Both tiers in one pre-parsed set: one Cedar call per request returns every matching rule, and
  // the pipeline sorts them by tier (half the calls of evaluating the tiers apart).
  const staticPolicies = Object.fromEntries([["base_permit", BASE_PERMIT], ...all.map((p) => [p.rule.rule_id, p.text])]);
  const v = cedar.validate({ schema: sources.schema, policies: { staticPolicies }, validationSettings: { mode: "strict" } });
  if (v.type === "failure") throw new PolicyError(`validation: ${messages(v.errors)}`);
  if (v.validationErrors.length) {
    throw new PolicyError(
      `schema validation failed: ${v.validationErrors.map((e) => `rule ${e.policyId}: ${e.error.message}`).join("; ")}`,
    );
  }

  // One pre-parsed set per action with only the rules that can apply to it: Cedar's cost per call
  // grows with the set's size, and most rules name one action.
  const id = ++nextSetId;
  const setIds: Record<string, string> = {};
  const interpreted: Record<string, InterpretedRule[]> = {};
  for (const action of ACTIONS) {
    const forAction = all.filter((p) => p.actions === null || p.actions.includes(action));
    // Answered in TypeScript when every rule for the action is in the interpreter's subset; else by Cedar.
    const compiled = forAction.map((p) => compileRule(p.rule.rule_id, p.est));
    if (compiled.every((r) => r !== null)) interpreted[action] = compiled as InterpretedRule[];
    setIds[action] = `rules-${id}-${action}`;
    const r = cedar.preparsePolicySet(setIds[action], {
      staticPolicies: Object.fromEntries([["base_permit", BASE_PERMIT], ...forAction.map((p) => [p.rule.rule_id, p.text])]),
    });
    if (r.type === "failure") throw new PolicyError(`rules: ${messages(r.errors)}`);
  }
  const contexts = schemaContexts(sources.schema);
  for (const action of ACTIONS) if (!contexts[action]) throw new PolicyError(`schema: no context for action ${action}`);
  const loaded: LoadedPolicySet = { rules, disabled: new Set(bp.disabled_rules), warnings, setIds, interpreted, contexts, ...tools };
  if (cache.size > 100) cache.clear();
  cache.set(key, loaded);
  return loaded;
}

export const SCHEMA_ID = SCHEMA_NAME;
