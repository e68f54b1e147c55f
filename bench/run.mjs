// bgagent benchmarks against a local `wrangler dev` (started here, on 127.0.0.1, own state).
// Usage: npm run bench -- [--json] [--allow-samples N] [--approval-samples N] [--concurrent-tasks N]
// Prints one JSON object (with --json, nothing else on stdout).
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { build } from "esbuild";
import { startDevServer } from "../cli/dev/devServer.mjs";
import { request } from "../cli/dev/http.mjs";
import { bundleGzipKib } from "./bundleSize.mjs";

const { values: args } = parseArgs({
  options: {
    json: { type: "boolean", default: false },
    "allow-samples": { type: "string", default: "500" },
    "approval-samples": { type: "string", default: "60" },
    "concurrent-tasks": { type: "string", default: "200" },
  },
});
const say = (...m) => args.json || console.error(...m);
const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return +s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)].toFixed(2);
};
const now = () => performance.now();

/** Bundle a TypeScript bench module (no loader at run time) and import it. */
async function load(entry, extra = {}) {
  // Inside the project, so the packages left external (WASM ones) resolve from its node_modules.
  const cache = new URL("../node_modules/.cache/", import.meta.url).pathname;
  mkdirSync(cache, { recursive: true }); // absent in a fresh install
  const outfile = join(mkdtempSync(join(cache, "bgagent-bench-")), "bench.mjs");
  await build({
    entryPoints: [new URL(entry, import.meta.url).pathname],
    outfile,
    bundle: true,
    platform: "node",
    format: "esm",
    logLevel: "warning",
    ...extra,
  });
  return import(outfile);
}

const bundleKib = bundleGzipKib();
say(`bundle: ${bundleKib} KiB gzipped`);

const scenarios = await load("./slackAndLoad.ts", { packages: "external" });
const apis = await scenarios.startFakeApiServer();
const server = await startDevServer({
  vars: {
    SLACK_SIGNING_SECRET: scenarios.SIGNING_SECRET,
    SLACK_BOT_TOKEN: "xoxb-bench",
    SLACK_API_BASE_URL: apis.slackBaseUrl,
    GITHUB_TOKEN: "ghs_bench",
    GITHUB_API_BASE_URL: apis.githubBaseUrl,
  },
});
const serverGateMs = [];
const api = async (method, path, token, body) => {
  const res = await request(method, `${server.url}${path}`, { token, body }).catch((err) => {
    throw new Error(`${method} ${path}: ${err.message}`);
  });
  if (res.status >= 400) throw new Error(`${method} ${path}: ${res.status} ${res.text}`);
  const timing = /gate;dur=(\d+)/.exec(String(res.headers["server-timing"] ?? ""));
  if (timing && body?.tool_name === "Read") serverGateMs.push(Number(timing[1]));
  return res.body?.data;
};

try {
  const runner = await api("POST", "/v1/admin/runners", server.adminToken, { name: "bench" });
  await api("PUT", "/v1/repos/bench/repo", server.adminToken, { approval_gate_cap: 500 });
  // One user per task: decisions are rate-limited per user (30/minute) and new approval gates per task (20/minute).
  const runningTask = async () => {
    const user = await api("POST", "/v1/admin/users", server.adminToken, { name: "bench" });
    await api("POST", "/v1/tasks", user.token, { repo: "bench/repo", description: "bench" });
    const c = await api("POST", "/v1/runner/claim?wait=5", runner.token);
    await api("POST", `/v1/tasks/${c.task.task_id}/events`, c.task_token, { type: "session_started" });
    return { id: c.task.task_id, token: c.task_token, userToken: user.token };
  };

  // 0. baseline: the cheapest route (no auth, no DO), i.e. what wrangler dev itself costs
  const baseline = [];
  for (let i = 0; i < 30; i++) await api("GET", "/", "");
  for (let i = 0; i < Number(args["allow-samples"]); i++) {
    const s = now();
    await api("GET", "/", "");
    baseline.push(now() - s);
  }

  // 1. gate -> allow
  const t = await runningTask();
  const read = { tool_name: "Read", tool_input: { file_path: "src/index.ts" } };
  for (let i = 0; i < 30; i++) await api("POST", `/v1/tasks/${t.id}/gate`, t.token, read);
  serverGateMs.length = 0;
  const allow = [];
  for (let i = 0; i < Number(args["allow-samples"]); i++) {
    const s = now();
    const d = await api("POST", `/v1/tasks/${t.id}/gate`, t.token, read);
    allow.push(now() - s);
    if (d.outcome !== "allow") throw new Error(`expected allow, got ${d.outcome}`);
  }
  say(`gate allow: ${allow.length} samples`);

  // 2. gate -> require_approval, then decision -> waiting long-poll answered
  const requireMs = [];
  const decisionToAnswer = [];
  const approveToAnswer = [];
  let task = null;
  for (let i = 0; i < Number(args["approval-samples"]); i++) {
    if (i % 18 === 0) task = await runningTask(); // 20 new approval gates/minute per task
    let s = now();
    const g = await api("POST", `/v1/tasks/${task.id}/gate`, task.token, {
      tool_name: "Bash",
      tool_input: { command: `git push -f origin bench-${i}` },
    });
    requireMs.push(now() - s);
    if (g.outcome !== "require_approval") throw new Error(`expected require_approval, got ${g.outcome}`);
    let answeredAt = 0;
    const poll = api("GET", `/v1/tasks/${task.id}/approvals/${g.request_id}?wait=25`, task.token).then((a) => {
      answeredAt = now();
      return a;
    });
    await new Promise((r) => setTimeout(r, 40)); // let the long-poll park in the DO
    s = now();
    await api("POST", `/v1/tasks/${task.id}/approve`, task.userToken, { request_id: g.request_id });
    const approvedAt = now();
    const a = await poll;
    if (a.outcome !== "allow") throw new Error(`expected allow, got ${a.outcome}`);
    decisionToAnswer.push(Math.max(0, answeredAt - approvedAt));
    approveToAnswer.push(answeredAt - s);
  }
  say(`approvals: ${requireMs.length} samples`);

  // 3. the Claude Code PreToolUse hook on an allowed call, process start included
  const hookBin = new URL("../cli/bin/bgagent.mjs", import.meta.url).pathname;
  const hookTask = await runningTask();
  const hookInput = JSON.stringify({
    hook_event_name: "PreToolUse",
    cwd: "/work/repo",
    tool_name: "Read",
    tool_input: { file_path: "/work/repo/src/index.ts" },
  });
  const runHook = () =>
    new Promise((resolve, reject) => {
      const s = now();
      const child = spawn("node", [hookBin, "hook", "pre-tool-use"], {
        env: { PATH: process.env.PATH, BGAGENT_URL: server.url, BGAGENT_TASK_ID: hookTask.id, BGAGENT_TASK_TOKEN: hookTask.token },
      });
      let out = "";
      child.stdout.on("data", (c) => (out += c));
      child.on("exit", () => (out.includes('"allow"') ? resolve(now() - s) : reject(new Error(`hook did not allow: ${out}`))));
      child.stdin.end(hookInput);
    });
  for (let i = 0; i < 3; i++) await runHook();
  const hookMs = [];
  for (let i = 0; i < 40; i++) hookMs.push(await runHook());
  const bareNodeMs = [];
  for (let i = 0; i < 20; i++) {
    const s = now();
    await new Promise((r) => spawn("node", ["-e", "0"]).on("exit", r));
    bareNodeMs.push(now() - s);
  }
  say(`hook: ${hookMs.length} samples`);

  // 4. policy evaluation in-process
  const { benchPolicyEval } = await load("./policyEval.ts", {
    external: ["@cedar-policy/cedar-wasm", "@cedar-policy/cedar-wasm/*", "web-tree-sitter", "tree-sitter-bash"],
    banner: { js: `import { createRequire as __cr } from 'node:module'; const require = __cr(${JSON.stringify(import.meta.url)});` },
    define: { "import.meta.url": JSON.stringify(pathToFileURL(join(new URL("../cli/dist/", import.meta.url).pathname, "x.mjs")).href) },
  });
  const { cold: evalUs, cached: evalCachedUs } = await benchPolicyEval(2000);

  // 5. Slack: ack time of signed mentions, gate call -> approval card at the fake Slack
  const ctx = { url: server.url, adminToken: server.adminToken, apis };
  const slack = await scenarios.benchSlack(ctx, runner.token, { acks: 100, burst: 50, cards: 30 });
  say(`slack: ${slack.ackMs.length} acks, ${slack.cardMs.length} cards`);

  // 6. dispatch throughput through the real local queue
  const dispatch = await scenarios.benchDispatch(ctx, runner.token, { tasks: 10, events: 10 });
  say(`dispatch: ${dispatch.messages} messages in ${dispatch.seconds.toFixed(1)} s`);

  // 7. many tasks gating at once
  const concurrent = await scenarios.benchConcurrency(ctx, runner.token, { tasks: Number(args["concurrent-tasks"]), calls: 5 });
  say(`concurrency: ${concurrent.calls} gate calls from ${args["concurrent-tasks"]} tasks, ${concurrent.errors} errors`);

  const result = {
    baseline_noop_p50_ms: pct(baseline, 50),
    baseline_noop_p99_ms: pct(baseline, 99),
    gate_allow_p50_ms: pct(allow, 50),
    gate_allow_p99_ms: pct(allow, 99),
    gate_allow_in_worker_p50_ms: pct(serverGateMs, 50),
    gate_allow_in_worker_p99_ms: pct(serverGateMs, 99),
    gate_require_approval_p99_ms: pct(requireMs, 99),
    decision_to_answer_p50_ms: pct(decisionToAnswer, 50),
    decision_to_answer_p99_ms: pct(decisionToAnswer, 99),
    approve_call_to_answer_p99_ms: pct(approveToAnswer, 99),
    hook_allow_p50_ms: pct(hookMs, 50),
    hook_allow_p99_ms: pct(hookMs, 99),
    bare_node_start_p50_ms: pct(bareNodeMs, 50),
    slack_ack_p50_ms: pct(slack.ackMs, 50),
    slack_ack_p99_ms: pct(slack.ackMs, 99),
    slack_ack_burst_p50_ms: pct(slack.burstAckMs, 50),
    slack_ack_burst_p99_ms: pct(slack.burstAckMs, 99),
    slack_ack_ignored_event_p99_ms: pct(slack.ignoredAckMs, 99),
    approval_card_p50_ms: pct(slack.cardMs, 50),
    approval_card_p95_ms: pct(slack.cardMs, 95),
    dispatch_events_per_s: +dispatch.perSecond.toFixed(1),
    concurrent_tasks: concurrent.errors === 0 ? Number(args["concurrent-tasks"]) : 0,
    concurrent_gate_calls: concurrent.calls,
    concurrent_gate_errors: concurrent.errors,
    concurrent_gate_p50_ms: pct(concurrent.latencies, 50),
    concurrent_gate_p99_ms: pct(concurrent.latencies, 99),
    concurrent_gate_calls_per_s: +(concurrent.calls / concurrent.seconds).toFixed(1),
    policy_eval_p50_us: pct(evalUs, 50),
    policy_eval_p99_us: pct(evalUs, 99),
    policy_eval_cached_p50_us: pct(evalCachedUs, 50),
    policy_eval_cached_p99_us: pct(evalCachedUs, 99),
    bundle_gzip_kib: bundleKib,
    samples: {
      gate_allow: allow.length,
      approvals: requireMs.length,
      hook: hookMs.length,
      policy_eval: evalUs.length,
      slack_acks: slack.ackMs.length,
      approval_cards: slack.cardMs.length,
      dispatch_messages: dispatch.messages,
    },
    targets: {
      policy_eval_p50_us: 300,
      policy_eval_p99_us: 1500,
      gate_allow_p99_ms: 10,
      decision_to_answer_p99_ms: 50,
      hook_allow_p50_ms: 150,
      slack_ack_p99_ms: 100,
      approval_card_p95_ms: 1500,
      concurrent_tasks: 200,
    },
  };
  console.log(JSON.stringify(result, null, args.json ? 0 : 2));
} catch (err) {
  console.error(server.output().split("\n").slice(-30).join("\n"));
  throw err;
} finally {
  await server.stop();
  await apis.stop();
}
