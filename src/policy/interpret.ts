/**
 * A small interpreter for the part of Cedar our rules use (context attributes, ==, !=, &&, ||, !,
 * contains, containsAny, containsAll, like, has, sets, if-then-else), run on the policies' JSON form.
 * Handing each request to cedar-wasm costs ~70-200 µs, most of it crossing into WASM; this answers
 * in microseconds. A policy using anything else is left to Cedar (see loader.ts), and Cedar stays the
 * oracle: test/policy/interpret.test.ts checks both agree on every case file. Errors throw, as Cedar's
 * evaluation errors do, so the gate fails closed.
 *
 * Each policy is compiled once, at load, into closures: evaluating then walks no JSON and allocates
 * (almost) nothing, which keeps the gate's tail free of garbage-collection pauses.
 */
import type { CedarRequest } from "./requests";

// biome-ignore lint/suspicious/noExplicitAny: the Cedar policy JSON (EST) is an open-ended tree
type Est = any;
type Ctx = Record<string, unknown>;
type Expr = (ctx: Ctx) => unknown;
type ScopeTest = (type: string, id: string) => boolean;

export interface InterpretedRule {
  id: string;
  /** Does the rule match this request? Throws on an evaluation error (fail closed). */
  matches(taskType: string, req: CedarRequest): boolean;
}

/** The compiled rule, or null when the policy is outside the subset (Cedar answers it then). */
export function compileRule(id: string, est: Est): InterpretedRule | null {
  const principal = compileScope(est.principal, ["=="]);
  const action = compileScope(est.action, ["==", "in"]);
  const resource = compileScope(est.resource, ["=="]);
  if (!principal || !action || !resource || !Array.isArray(est.conditions)) return null;
  const conditions: Array<{ when: boolean; body: Expr }> = [];
  for (const c of est.conditions) {
    const body = c.kind === "when" || c.kind === "unless" ? compileExpr(c.body) : null;
    if (!body) return null;
    conditions.push({ when: c.kind === "when", body });
  }
  return {
    id,
    matches(taskType, req) {
      if (!principal("Agent::TaskAgent", taskType) || !action("Agent::Action", req.action) || !resource(req.resource.type, req.resource.id))
        return false;
      for (const c of conditions) if (bool(c.body(req.context)) !== c.when) return false;
      return true;
    },
  };
}

/** The rules (forbid policies) that match this request. */
export function interpretedMatches(rules: InterpretedRule[], taskType: string, req: CedarRequest): string[] {
  const out: string[] = [];
  for (const r of rules) if (r.matches(taskType, req)) out.push(r.id);
  return out;
}

function compileScope(s: Est, ops: string[]): ScopeTest | null {
  if (s?.op === "All") return () => true;
  if (!ops.includes(s?.op)) return null;
  if (s.op === "==" && s.entity) return (type, id) => s.entity.type === type && s.entity.id === id;
  if (s.op === "in" && Array.isArray(s.entities)) return (type, id) => s.entities.some((x: Est) => x.type === type && x.id === id);
  return null;
}

const bool = (v: unknown): boolean => {
  if (typeof v !== "boolean") throw new Error("cedar (interpreted): expected a boolean");
  return v;
};
const set = (v: unknown): unknown[] => {
  if (!Array.isArray(v)) throw new Error("cedar (interpreted): expected a set");
  return v;
};
const num = (v: unknown): number => {
  if (typeof v !== "number") throw new Error("cedar (interpreted): expected numbers");
  return v;
};
const setsEqual = (a: unknown[], b: unknown[]) => a.length === b.length && a.every((x) => b.includes(x)) && b.every((x) => a.includes(x));
const equal = (a: unknown, b: unknown) => (Array.isArray(a) && Array.isArray(b) ? setsEqual(a, b) : a === b);

function likeRe(pattern: Est[]): RegExp {
  const src = pattern.map((p) => (p === "Wildcard" ? "[\\s\\S]*" : String(p.Literal).replace(/[.*+?^${}()|[\]\\/]/g, "\\$&"))).join("");
  return new RegExp(`^${src}$`);
}

/** One expression as a closure; null when it uses anything outside the subset. */
function compileExpr(e: Est): Expr | null {
  if (!e || typeof e !== "object") return null;
  const keys = Object.keys(e);
  if (keys.length !== 1) return null;
  const op = keys[0];
  const v = e[op];
  switch (op) {
    case "Value":
      return ["string", "boolean", "number"].includes(typeof v) ? () => v : null;
    case "Var":
      return v === "context" ? (ctx) => ctx : null;
    case ".":
    case "has": {
      const left = compileExpr(v.left);
      const attr = v.attr;
      if (!left || typeof attr !== "string") return null;
      if (op === "has") {
        return (ctx) => {
          const obj = left(ctx);
          return !!obj && typeof obj === "object" && attr in obj;
        };
      }
      return (ctx) => {
        const obj = left(ctx) as Ctx;
        if (!obj || typeof obj !== "object" || !(attr in obj)) throw new Error(`cedar (interpreted): no attribute ${attr}`);
        return obj[attr];
      };
    }
    case "!": {
      const arg = compileExpr(v.arg);
      return arg && ((ctx) => !bool(arg(ctx)));
    }
    case "like": {
      const left = compileExpr(v.left);
      if (!left || !Array.isArray(v.pattern)) return null;
      const re = likeRe(v.pattern);
      return (ctx) => {
        const s = left(ctx);
        if (typeof s !== "string") throw new Error("cedar (interpreted): like on a non-string");
        return re.test(s);
      };
    }
    case "Set": {
      if (!Array.isArray(v)) return null;
      const items = v.map(compileExpr);
      if (!items.every(Boolean)) return null;
      return (ctx) => items.map((x) => x!(ctx));
    }
    case "if-then-else": {
      const [c, t, f] = [compileExpr(v.if), compileExpr(v.then), compileExpr(v.else)];
      return c && t && f && ((ctx) => (bool(c(ctx)) ? t(ctx) : f(ctx)));
    }
  }
  const binary = BINARY[op];
  if (!binary) return null;
  const [l, r] = [compileExpr(v.left), compileExpr(v.right)];
  return l && r && ((ctx) => binary(l, r, ctx));
}

const BINARY: Record<string, (l: Expr, r: Expr, ctx: Ctx) => unknown> = {
  "&&": (l, r, ctx) => bool(l(ctx)) && bool(r(ctx)),
  "||": (l, r, ctx) => bool(l(ctx)) || bool(r(ctx)),
  "==": (l, r, ctx) => equal(l(ctx), r(ctx)),
  "!=": (l, r, ctx) => !equal(l(ctx), r(ctx)),
  contains: (l, r, ctx) => set(l(ctx)).includes(r(ctx)),
  containsAny: (l, r, ctx) => {
    const a = set(l(ctx));
    return set(r(ctx)).some((x) => a.includes(x));
  },
  containsAll: (l, r, ctx) => {
    const a = set(l(ctx));
    return set(r(ctx)).every((x) => a.includes(x));
  },
  "<": (l, r, ctx) => num(l(ctx)) < num(r(ctx)),
  "<=": (l, r, ctx) => num(l(ctx)) <= num(r(ctx)),
  ">": (l, r, ctx) => num(l(ctx)) > num(r(ctx)),
  ">=": (l, r, ctx) => num(l(ctx)) >= num(r(ctx)),
};
