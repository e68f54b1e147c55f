/**
 * A small interpreter for the part of Cedar our rules use (context attributes, ==, !=, &&, ||, !,
 * contains, containsAny, containsAll, like, has, sets, if-then-else), run on the policies' JSON form.
 * Handing each request to cedar-wasm costs ~70-200 µs, most of it crossing into WASM; this answers
 * in microseconds. A policy using anything else is left to Cedar (see loader.ts), and Cedar stays the
 * oracle: test/policy/interpret.test.ts checks both agree on every case file. Errors throw, as Cedar's
 * evaluation errors do, so the gate fails closed.
 */
import type { CedarRequest } from "./requests";

// biome-ignore lint/suspicious/noExplicitAny: the Cedar policy JSON (EST) is an open-ended tree
type Est = any;

export interface InterpretedRule {
  id: string;
  est: Est;
}

const BINARY = new Set(["==", "!=", "&&", "||", "contains", "containsAny", "containsAll", "<", "<=", ">", ">="]);

/** Can this policy be answered here? Scopes of the shapes we write, and expressions of the subset above. */
export function interpretable(est: Est): boolean {
  const scopeOk = (s: Est, kinds: string[]) => s?.op === "All" || (kinds.includes(s?.op) && (s.entity || s.entities));
  if (!scopeOk(est.principal, ["=="]) || !scopeOk(est.action, ["==", "in"]) || !scopeOk(est.resource, ["=="])) return false;
  return Array.isArray(est.conditions) && est.conditions.every((c: Est) => (c.kind === "when" || c.kind === "unless") && exprOk(c.body));
}

function exprOk(e: Est): boolean {
  if (!e || typeof e !== "object") return false;
  const [op] = Object.keys(e);
  const v = e[op];
  if (op === "Value") return ["string", "boolean", "number"].includes(typeof v);
  if (op === "Var") return v === "context";
  if (op === ".") return exprOk(v.left) && typeof v.attr === "string";
  if (op === "has") return exprOk(v.left) && typeof v.attr === "string";
  if (op === "!") return exprOk(v.arg);
  if (op === "like") return exprOk(v.left) && Array.isArray(v.pattern);
  if (op === "Set") return Array.isArray(v) && v.every(exprOk);
  if (op === "if-then-else") return exprOk(v.if) && exprOk(v.then) && exprOk(v.else);
  if (BINARY.has(op)) return exprOk(v.left) && exprOk(v.right);
  return false;
}

const likeCache = new WeakMap<object, RegExp>();
function likeRe(pattern: Est[]): RegExp {
  let re = likeCache.get(pattern);
  if (!re) {
    const src = pattern.map((p) => (p === "Wildcard" ? "[\\s\\S]*" : String(p.Literal).replace(/[.*+?^${}()|[\]\\/]/g, "\\$&"))).join("");
    re = new RegExp(`^${src}$`);
    likeCache.set(pattern, re);
  }
  return re;
}

const bool = (v: unknown): boolean => {
  if (typeof v !== "boolean") throw new Error("cedar (interpreted): expected a boolean");
  return v;
};
const set = (v: unknown): unknown[] => {
  if (!Array.isArray(v)) throw new Error("cedar (interpreted): expected a set");
  return v;
};

function evalExpr(e: Est, ctx: Record<string, unknown>): unknown {
  const [op] = Object.keys(e);
  const v = e[op];
  switch (op) {
    case "Value":
      return v;
    case "Var":
      return ctx;
    case ".": {
      const obj = evalExpr(v.left, ctx) as Record<string, unknown>;
      if (!obj || typeof obj !== "object" || !(v.attr in obj)) throw new Error(`cedar (interpreted): no attribute ${v.attr}`);
      return obj[v.attr];
    }
    case "has": {
      const obj = evalExpr(v.left, ctx) as Record<string, unknown>;
      return !!obj && typeof obj === "object" && v.attr in obj;
    }
    case "!":
      return !bool(evalExpr(v.arg, ctx));
    case "&&":
      return bool(evalExpr(v.left, ctx)) && bool(evalExpr(v.right, ctx));
    case "||":
      return bool(evalExpr(v.left, ctx)) || bool(evalExpr(v.right, ctx));
    case "==":
    case "!=": {
      const [a, b] = [evalExpr(v.left, ctx), evalExpr(v.right, ctx)];
      const eq =
        Array.isArray(a) && Array.isArray(b)
          ? a.length === b.length && a.every((x) => b.includes(x)) && b.every((x) => a.includes(x))
          : a === b;
      return op === "==" ? eq : !eq;
    }
    case "contains":
      return set(evalExpr(v.left, ctx)).includes(evalExpr(v.right, ctx));
    case "containsAny": {
      const [a, b] = [set(evalExpr(v.left, ctx)), set(evalExpr(v.right, ctx))];
      return b.some((x) => a.includes(x));
    }
    case "containsAll": {
      const [a, b] = [set(evalExpr(v.left, ctx)), set(evalExpr(v.right, ctx))];
      return b.every((x) => a.includes(x));
    }
    case "<":
    case "<=":
    case ">":
    case ">=": {
      const [a, b] = [evalExpr(v.left, ctx), evalExpr(v.right, ctx)];
      if (typeof a !== "number" || typeof b !== "number") throw new Error("cedar (interpreted): expected numbers");
      return op === "<" ? a < b : op === "<=" ? a <= b : op === ">" ? a > b : a >= b;
    }
    case "like": {
      const s = evalExpr(v.left, ctx);
      if (typeof s !== "string") throw new Error("cedar (interpreted): like on a non-string");
      return likeRe(v.pattern).test(s);
    }
    case "Set":
      return v.map((x: Est) => evalExpr(x, ctx));
    case "if-then-else":
      return bool(evalExpr(v.if, ctx)) ? evalExpr(v.then, ctx) : evalExpr(v.else, ctx);
    default:
      throw new Error(`cedar (interpreted): unsupported ${op}`);
  }
}

const inScope = (s: Est, type: string, id: string): boolean =>
  s.op === "All" ||
  (s.op === "==" && s.entity.type === type && s.entity.id === id) ||
  (s.op === "in" && s.entities.some((x: Est) => x.type === type && x.id === id));

/** The rules (forbid policies) that match this request. */
export function interpretedMatches(rules: InterpretedRule[], taskType: string, req: CedarRequest): string[] {
  const out: string[] = [];
  for (const r of rules) {
    const est = r.est;
    if (
      !inScope(est.principal, "Agent::TaskAgent", taskType) ||
      !inScope(est.action, "Agent::Action", req.action) ||
      !inScope(est.resource, req.resource.type, req.resource.id)
    )
      continue;
    if (est.conditions.every((c: Est) => bool(evalExpr(c.body, req.context)) === (c.kind === "when"))) out.push(r.id);
  }
  return out;
}
