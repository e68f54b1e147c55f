// Only the approval-card benchmarks (npm run bench runs them too, with everything else): gate call
// -> card at the fake Slack, for a task from Slack (its thread) and one from the CLI (its owner's DM).
// Usage: node bench/cards.mjs [--json] [--cards N]. Prints one JSON object.
import { mkdirSync, mkdtempSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { build } from "esbuild";
import { startDevServer } from "../cli/dev/devServer.mjs";
import { request } from "../cli/dev/http.mjs";

const { values: args } = parseArgs({ options: { json: { type: "boolean", default: false }, cards: { type: "string", default: "30" } } });
const cards = Number(args.cards);
const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return +s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)].toFixed(2);
};

const cache = new URL("../node_modules/.cache/", import.meta.url).pathname;
mkdirSync(cache, { recursive: true });
const outfile = join(mkdtempSync(join(cache, "bgagent-bench-")), "cards.mjs");
await build({
  entryPoints: [new URL("./slackAndLoad.ts", import.meta.url).pathname],
  outfile,
  bundle: true,
  platform: "node",
  format: "esm",
  packages: "external",
  logLevel: "warning",
});
const scenarios = await import(outfile);
const apis = await scenarios.startFakeApiServer();
const server = await startDevServer({
  vars: { SLACK_SIGNING_SECRET: scenarios.SIGNING_SECRET, SLACK_BOT_TOKEN: "xoxb-bench", SLACK_API_BASE_URL: apis.slackBaseUrl },
});
try {
  const runner = await request("POST", `${server.url}/v1/admin/runners`, { token: server.adminToken, body: { name: "bench" } });
  const ctx = { url: server.url, adminToken: server.adminToken, apis };
  // Mentions create the Slack tasks whose cards are measured (a few acks, the rest in a burst).
  const thread = await scenarios.benchSlack(ctx, runner.body.data.token, { acks: 10, burst: cards, cards });
  const dm = await scenarios.benchDmCards(ctx, { cards });
  const result = {
    approval_card_p50_ms: pct(thread.cardMs, 50),
    approval_card_p95_ms: pct(thread.cardMs, 95),
    approval_card_dm_p50_ms: pct(dm.cardMs, 50),
    approval_card_dm_p95_ms: pct(dm.cardMs, 95),
    samples: { approval_cards: thread.cardMs.length, approval_cards_dm: dm.cardMs.length },
    targets: { approval_card_p95_ms: 1500, approval_card_dm_p95_ms: 1500 },
  };
  console.log(JSON.stringify(result, null, args.json ? 0 : 2));
} finally {
  await server.stop();
  await apis.stop();
}
