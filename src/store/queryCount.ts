/**
 * A D1 binding that counts the statements it runs: D1 queries per Worker invocation are a plan
 * limit, so the claim route reports its count (Server-Timing) and tests hold it to a budget.
 */
const RUNS = new Set(["first", "all", "run", "raw"]);

export function countingD1(db: D1Database): { db: D1Database; count: () => number } {
  let n = 0;
  const real = new WeakMap<object, D1PreparedStatement>();
  const wrap = (stmt: D1PreparedStatement): D1PreparedStatement => {
    const p = new Proxy(stmt, {
      get(target, prop) {
        const v = Reflect.get(target, prop, target);
        if (typeof v !== "function") return v;
        if (prop === "bind") return (...args: unknown[]) => wrap(target.bind(...args));
        if (RUNS.has(String(prop))) {
          return (...args: unknown[]) => {
            n++;
            return v.apply(target, args);
          };
        }
        return v.bind(target);
      },
    });
    real.set(p, stmt);
    return p;
  };
  const counted = new Proxy(db, {
    get(target, prop) {
      const v = Reflect.get(target, prop, target);
      if (prop === "prepare") return (sql: string) => wrap(target.prepare(sql));
      if (prop === "batch") {
        return (stmts: D1PreparedStatement[]) => {
          n += stmts.length;
          return target.batch(stmts.map((s) => real.get(s) ?? s));
        };
      }
      if (prop === "exec") {
        return (sql: string) => {
          n++;
          return target.exec(sql);
        };
      }
      return typeof v === "function" ? v.bind(target) : v;
    },
  });
  return { db: counted, count: () => n };
}
