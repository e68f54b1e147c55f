// Runner claims: how soon a runner waiting in POST /v1/runner/claim?wait= holds a task submitted
// after it parked (submit -> claim answered), and how many D1 queries an idle claim makes (the
// route's Server-Timing). Run alone against its own wrangler dev: node bench/claims.mjs [--json] [--samples N]
import { parseArgs } from "node:util";
import { startDevServer } from "../cli/dev/devServer.mjs";
import { request } from "../cli/dev/http.mjs";

const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return +s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)].toFixed(2);
};
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** `ctx`: {url, adminToken} of a running server. Returns the bench's figures. */
export async function benchClaims(ctx, { samples = 50 } = {}) {
  const api = async (method, path, token, body, timeoutMs) => {
    const res = await request(method, `${ctx.url}${path}`, { token, body, timeoutMs });
    if (res.status >= 400) throw new Error(`${method} ${path}: ${res.status} ${res.text}`);
    return res;
  };
  // A repo and a runner of their own, so no other bench's queued task is claimed here.
  await api("PUT", "/v1/repos/claimbench/repo", ctx.adminToken, {});
  const runner = (await api("POST", "/v1/admin/runners", ctx.adminToken, { name: "claim-bench", repos: ["claimbench/*"] })).body.data;
  const user = (await api("POST", "/v1/admin/users", ctx.adminToken, { name: "claim-bench" })).body.data;
  const claim = (wait) => api("POST", `/v1/runner/claim?wait=${wait}`, runner.token, undefined, (wait + 10) * 1000);

  const idle = await claim(1);
  if (idle.status !== 204) throw new Error(`expected an idle claim (204), got ${idle.status}`);
  const d1Idle = Number(/d1;desc="(\d+)"/.exec(String(idle.headers["server-timing"] ?? ""))?.[1] ?? Number.NaN);

  // What the machine costs right now: the no-op route (no auth, no DO), for reading the rest.
  const noopMs = [];
  for (let i = 0; i < 20; i++) {
    const s = performance.now();
    await api("GET", "/", "");
    noopMs.push(performance.now() - s);
  }

  const latency = [];
  const submitMs = [];
  for (let i = 0; i < samples + 3; i++) {
    let heldAt = 0;
    const waiting = claim(25).then((r) => {
      heldAt = performance.now();
      return r;
    });
    await sleep(60); // let the claim park in the pool
    const s = performance.now();
    const task = (await api("POST", "/v1/tasks", user.token, { repo: "claimbench/repo", description: `claim bench ${i}` })).body.data;
    const submitted = performance.now() - s;
    const got = await waiting;
    if (got.status !== 200 || got.body.data.task.task_id !== task.task_id) throw new Error(`runner did not get task ${task.task_id}`);
    if (i < 3) continue; // the first few warm up the isolate and the DOs
    latency.push(heldAt - s);
    submitMs.push(submitted);
  }
  return {
    claim_latency_p50_ms: pct(latency, 50),
    claim_latency_p99_ms: pct(latency, 99),
    // For context: the submit call alone (the task is offered to the pool at its end).
    claim_submit_call_p50_ms: pct(submitMs, 50),
    claim_bench_noop_p50_ms: pct(noopMs, 50),
    claim_d1_queries_idle: d1Idle,
    samples: latency.length,
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values: args } = parseArgs({
    options: { json: { type: "boolean", default: false }, samples: { type: "string", default: "50" } },
  });
  const server = await startDevServer();
  try {
    const r = await benchClaims(server, { samples: Number(args.samples) });
    console.log(JSON.stringify({ ...r, targets: { claim_latency_p99_ms: 100, claim_d1_queries_idle: 3 } }, null, args.json ? 0 : 2));
  } catch (err) {
    console.error(server.output().split("\n").slice(-30).join("\n"));
    throw err;
  } finally {
    await server.stop();
  }
}
