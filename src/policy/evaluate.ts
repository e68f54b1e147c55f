/**
 * The gate's decision pipeline (DESIGN §4), first hit wins:
 *   hard tier -> allowlist -> recent-decision cache -> soft tier (disabled rules and rule: scopes
 *   removed; per-rule recent-deny cache) -> allow.
 * Pure over (engines, policy set, session, call). Any error anywhere is a deny ("fail-closed: ...").
 */

import { SEVERITIES, type Severity } from "../shared/approval";
import { type CedarApi, messages } from "./cedar";
import { globMatch } from "./glob";
import { interpretedMatches } from "./interpret";
import { type LoadedPolicySet, MIN_TIMEOUT_S, SCHEMA_ID, type Tier } from "./loader";
import { buildRequests, type CallContext, type CedarRequest } from "./requests";
import { formatScope, parseScope, type Scope, TOOL_GROUPS } from "./scopes";
import { cacheHit, inputKey, type PolicySession, ruleKey } from "./session";
import type { ShellParser } from "./shell/parser";

export type Outcome = "allow" | "deny" | "require_approval";
export type DecisionSource = "hard" | "allowlist" | "cache" | "soft" | "default" | "fail_closed";

export interface Decision {
  outcome: Outcome;
  reason: string;
  matching_rule_ids: string[];
  severity: Severity | null;
  timeout_s: number | null;
  /** The rule timeouts cut the approval window below the task default. */
  timeout_clipped: boolean;
  source: DecisionSource;
  /** What the call does, in short phrases for the human (most dangerous first). */
  effects: string[];
}

/** The WASM engines the pipeline runs on, injected so the Worker and the CLI share this code. */
export interface Engines {
  cedar: CedarApi;
  shell: ShellParser;
}

export interface GateCall {
  tool_name: string;
  tool_input: Record<string, unknown>;
  /** SHA-256 of the canonical tool_input, the key of the recent-decision cache. */
  input_sha256: string;
}

export interface TaskPolicyContext extends CallContext {
  /** The task's default approval window; rule timeouts can only shorten it. */
  approval_timeout_s: number;
}

const decision = (outcome: Outcome, reason: string, source: DecisionSource, extra: Partial<Decision> = {}): Decision => ({
  outcome,
  reason,
  source,
  matching_rule_ids: [],
  severity: null,
  timeout_s: null,
  timeout_clipped: false,
  effects: [],
  ...extra,
});

/** The request's context has exactly the schema's attributes, with their types (else it throws: fail closed). */
export function checkContext(set: LoadedPolicySet, req: CedarRequest): void {
  const want = set.contexts[req.action];
  if (!want) throw new Error(`cedar: unknown action ${req.action}`);
  // for-in, not Object.entries: this runs for every request, and the arrays would be garbage.
  for (const k in req.context) if (!(k in want)) throw new Error(`cedar: request context has an attribute the schema lacks: ${k}`);
  for (const k in want) {
    const type = want[k];
    const v = req.context[k];
    const ok =
      type === "Bool"
        ? typeof v === "boolean"
        : type === "String"
          ? typeof v === "string"
          : Array.isArray(v) && v.every((x) => typeof x === "string");
    if (!ok) throw new Error(`cedar: request context attribute ${k} is not a ${type}`);
  }
}

/** Every rule (of both tiers) that matches one request. */
function matchingRules(cedar: CedarApi, set: LoadedPolicySet, taskType: string, req: CedarRequest): string[] {
  checkContext(set, req);
  const interpreted = set.interpreted[req.action];
  if (interpreted && !FORCE_CEDAR.has(cedar)) return interpretedMatches(interpreted, taskType, req);
  const r = cedar.statefulIsAuthorized({
    principal: { type: "Agent::TaskAgent", id: taskType },
    action: { type: "Agent::Action", id: req.action },
    resource: req.resource,
    context: req.context as never,
    preparsedSchemaName: SCHEMA_ID,
    validateRequest: false, // checked above, for a fraction of the cost
    preparsedPolicySetId: set.setIds[req.action],
    entities: [],
  });
  if (r.type === "failure") throw new Error(`cedar: ${messages(r.errors)}`);
  const { decision: d, diagnostics } = r.response;
  if (diagnostics.errors.length) throw new Error(`cedar: ${diagnostics.errors.map((e) => `${e.policyId}: ${e.error.message}`).join("; ")}`);
  if (d === "allow") return [];
  const ids = diagnostics.reason.filter((id) => id !== "base_permit");
  if (ids.length === 0) throw new Error("cedar: deny without a matching rule");
  return ids;
}

/** Engines that must answer every request themselves (tests that fault-inject Cedar, the differential test). */
export const FORCE_CEDAR = new WeakSet<CedarApi>();

const RULE_CACHE_SIZE = 5000;
/** Per engine (a test may inject a failing one), per isolate. */
const ruleCaches = new WeakMap<CedarApi, Map<string, string[]>>();

const ofTier = (set: LoadedPolicySet, ids: string[], tier: Tier) => ids.filter((id) => set.rules.get(id)?.tier === tier);

/** Distinct rule ids, sorted so reasons and audit records are deterministic. */
const union = (lists: string[][]): string[] => [...new Set(lists.flat())].sort();

/** Does a granted scope cover this single request (for partial, per-part allowlisting)? */
function scopeCoversRequest(s: Scope, req: CedarRequest): boolean {
  if (s.kind === "bash_pattern") return req.subject.kind === "bash" && globMatch(s.value, req.subject.text);
  if (s.kind === "write_path") return req.subject.kind === "write" && globMatch(s.value, req.subject.path);
  return false;
}

/** Does the allowlist pre-approve the whole call? Returns the scope that does. */
function allowlisted(scopes: Scope[], toolName: string, reqs: CedarRequest[]): Scope | null {
  for (const s of scopes) {
    if (s.kind === "all_session") return s;
    if (s.kind === "tool_type" && s.value === toolName) return s;
    if (s.kind === "tool_group" && TOOL_GROUPS[s.value]?.includes(toolName)) return s;
  }
  // Pattern scopes must cover every part of the call that they can speak for.
  const specific = reqs.filter((r) => r.subject.kind !== "tool");
  if (specific.length === 0) return null;
  const covering = specific.map((r) => scopes.find((s) => scopeCoversRequest(s, r)));
  return covering.every(Boolean) ? covering[0]! : null;
}

export function mergeSoft(
  set: LoadedPolicySet,
  ids: string[],
  taskTimeout: number,
): Pick<Decision, "severity" | "timeout_s" | "timeout_clipped"> {
  const rules = ids.map((id) => set.rules.get(id)!);
  const ruleTimeouts = rules.map((r) => r.timeout_s).filter((t): t is number => t !== null);
  const min = Math.min(taskTimeout, ...ruleTimeouts);
  const severity = rules.reduce<Severity>((acc, r) => (SEVERITIES.indexOf(r.severity) > SEVERITIES.indexOf(acc) ? r.severity : acc), "low");
  return { timeout_s: Math.max(MIN_TIMEOUT_S, min), severity, timeout_clipped: min < taskTimeout };
}

export function evaluate(
  engines: Engines,
  set: LoadedPolicySet,
  session: PolicySession,
  call: GateCall,
  ctx: TaskPolicyContext,
  now: number,
): Decision {
  const { cedar } = engines;
  try {
    const built = buildRequests(engines.shell, call.tool_name, call.tool_input, ctx, set);
    const reqs = built.requests;
    const effects = built.effects;

    // Identical requests (a command repeated, `git status` again) are answered from a per-isolate
    // cache: a pre-parsed policy set never changes, so the same request always matches the same rules.
    const ruleCache = ruleCaches.get(cedar) ?? new Map<string, string[]>();
    ruleCaches.set(cedar, ruleCache);
    const matched = reqs.map((r) => {
      // Interpreted rules answer in microseconds: a cache key would cost more than it saves.
      if (set.interpreted[r.action] && !FORCE_CEDAR.has(cedar)) return matchingRules(cedar, set, ctx.task_type, r);
      const key = `${set.setIds[r.action]}\u0000${ctx.task_type}\u0000${r.resource.id}\u0000${JSON.stringify(r.context)}`;
      let ids = ruleCache.get(key);
      if (!ids) {
        ids = matchingRules(cedar, set, ctx.task_type, r);
        if (ruleCache.size >= RULE_CACHE_SIZE) ruleCache.delete(ruleCache.keys().next().value!);
        ruleCache.set(key, ids);
      }
      return ids;
    });
    const hard = union(matched.map((ids) => ofTier(set, ids, "hard")));
    if (hard.length) return decision("deny", `Hard-deny: ${hard.join(", ")}${seen(reqs)}`, "hard", { matching_rule_ids: hard, effects });

    const scopes = session.allowlist.map(parseScope).flatMap((p) => (p.ok ? [p.scope] : []));
    const pre = allowlisted(scopes, call.tool_name, reqs);
    if (pre) return decision("allow", `Pre-approved by allowlist (${formatScope(pre)})`, "allowlist", { effects });

    const cached = cacheHit(session.input_cache, inputKey(call.tool_name, call.input_sha256), now);
    if (cached) return decision("deny", `Recent ${cached.decision} within 60s: ${cached.reason}`, "cache", { effects });

    const soft = union(reqs.flatMap((r, i) => (scopes.some((s) => scopeCoversRequest(s, r)) ? [] : [ofTier(set, matched[i], "soft")])));
    const ruleScopes = new Set(scopes.filter((s) => s.kind === "rule").map((s) => s.value));
    const live = soft.filter((id) => !set.disabled.has(id) && !ruleScopes.has(id));
    if (soft.length && !live.length) {
      return decision("allow", `permitted (matching soft rules disabled or pre-approved: ${soft.join(", ")})`, "soft", {
        matching_rule_ids: soft,
        effects,
      });
    }
    if (live.length) {
      for (const id of live) {
        const hit = cacheHit(session.rule_cache, ruleKey(call.tool_name, id), now);
        if (hit)
          return decision("deny", `Recent DENIED on rule '${id}' within 60s: ${hit.reason}`, "cache", { matching_rule_ids: [id], effects });
      }
      return decision("require_approval", `Soft-deny: ${live.join(", ")}${seen(reqs)}`, "soft", {
        matching_rule_ids: live,
        effects,
        ...mergeSoft(set, live, ctx.approval_timeout_s),
      });
    }
    return decision("allow", "permitted", "default", { effects });
  } catch (err) {
    return decision("deny", `fail-closed: ${err instanceof Error ? err.message : String(err)}`, "fail_closed");
  }
}

/** What could not be seen, so the agent (and the human) know why the gate asks. */
function seen(reqs: CedarRequest[]): string {
  const why = reqs.flatMap((r) => r.unseen ?? []);
  return why.length ? ` (cannot see: ${[...new Set(why)].slice(0, 3).join("; ")})` : "";
}
