/**
 * `npm run demo`: the whole product on this machine, narrated. wrangler dev, a fake Slack and
 * GitHub on 127.0.0.1, a local git "remote", `bgagent runner` with the demo agent. A signed
 * @mention submits the task, the approval card is shown as Slack would, a signed button click
 * approves it, and the transcript ends with the outcome and the decision-to-resume time.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startDevServer } from "./devServer.mjs";
import { request } from "./http.mjs";
import { bareRepo, linkSlackUser, type RunnerProcess, slackPost, sleep, startRunner, until } from "./support/e2e";
import { startFakeApiServer } from "./support/fakeApiServer";
import type { Call } from "./support/fakeApis";

const SECRET = "demo-signing-secret";
const say = (m = "") => process.stdout.write(`${m}\n`);
/** Slack mrkdwn blocks as plain lines, the way a person reads the card. */
function render(blocks: Array<Record<string, any>> = []): string[] {
  const lines: string[] = [];
  for (const b of blocks) {
    if (b.type === "section") lines.push(...String(b.text.text).split("\n"));
    if (b.type === "context")
      lines.push(...b.elements.map((e: { text: string }) => `(${e.text.replace(/<!date\^\d+\^[^|]+\|([^>]+)>/g, "$1")})`));
    if (b.type === "actions") lines.push(b.elements.map((e: { text: { text: string } }) => `[ ${e.text.text} ]`).join("  "));
  }
  return lines.map((l) => l.replace(/<!date\^\d+\^[^|]+\|([^>]+)>/g, "$1"));
}

function thread(calls: Call[]): string[] {
  return calls.flatMap((c) => {
    switch (c.method) {
      case "chat.postMessage":
        return [`  bgagent: ${String(c.body.text).split("\n")[0]}`];
      case "chat.update":
        return [
          "  (card edited)",
          ...render(c.body.blocks)
            .slice(-1)
            .map((l) => `    ${l}`),
        ];
      case "chat.delete":
        return ["  (progress message deleted)"];
      case "reactions.add":
        return [`  (reaction :${c.body.name}:)`];
      default:
        return [];
    }
  });
}

async function main() {
  say("bgagent demo: everything local (wrangler dev, fake Slack + GitHub on 127.0.0.1, a runner with the demo agent)\n");
  const apis = await startFakeApiServer();
  const server = await startDevServer({
    // A force push to main is a high-severity gate; this demo lets Slack buttons decide it (default: low,medium).
    vars: {
      SLACK_APPROVABLE_SEVERITIES: "low,medium,high",
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_BOT_TOKEN: "xoxb-demo",
      SLACK_API_BASE_URL: apis.slackBaseUrl,
      GITHUB_TOKEN: "ghs_demo",
      GITHUB_API_BASE_URL: apis.githubBaseUrl,
    },
  });
  let runner: RunnerProcess | null = null;
  const tmp = mkdtempSync(join(tmpdir(), "bgagent-demo-"));
  try {
    const http = async (method: string, path: string, token: string, body?: unknown) =>
      (await request(method, `${server.url}${path}`, { token, body })).body?.data;
    const slack = async (path: string, body: string, type: string) => (await slackPost(server.url, SECRET, path, body, type)).text;

    // A git "remote" with one commit, an onboarded repo, a user linked to Slack, a runner.
    const remote = bareRepo(tmp);
    const user = await http("POST", "/v1/admin/users", server.adminToken, { name: "alice" });
    const runnerCred = await http("POST", "/v1/admin/runners", server.adminToken, { name: "demo" });
    await http("PUT", "/v1/repos/acme/widgets", server.adminToken, {});
    const code = await linkSlackUser({
      baseUrl: server.url,
      secret: SECRET,
      userToken: user.token,
      slackUser: "UALICE",
      responseUrl: apis.responseUrl("c"),
    });
    say(`1. alice linked her Slack account with /bgagent link -> code ${code}`);

    let agentOut = "";
    let resumedAt = 0;
    runner = startRunner({ url: server.url, token: runnerCred.token, workdir: join(tmp, "work"), reposDir: tmp, heartbeatS: 2 });
    runner.child.stdout!.on("data", (c: Buffer) => {
      agentOut += c;
      if (!resumedAt && agentOut.includes("push approved")) resumedAt = performance.now();
    });
    say("2. a runner is waiting for work (agent: bgagent demo-agent, repo cloned from a local bare repo)");

    const ts = `${Math.floor(Date.now() / 1000)}.000100`;
    await slack(
      "/slack/events",
      JSON.stringify({
        type: "event_callback",
        team_id: "T1",
        event_id: "EvDemo1",
        event: { type: "app_mention", user: "UALICE", text: "<@UBOT> acme/widgets#42 fix the flaky login test", channel: "CDEMO", ts },
      }),
      "application/json",
    );
    say('3. alice in #widgets: "@bgagent acme/widgets#42 fix the flaky login test"');

    const card = await until("the approval card", () =>
      apis.fake.slackCalls("chat.postMessage").find((c) => String(c.body.text).startsWith("Approval required")),
    );
    say("4. the agent read, edited and ran tests freely, then tried `git push --force origin main`. In the thread:\n");
    for (const line of render(card.body.blocks)) say(`   │ ${line}`);
    say();
    const taskId = (await http("GET", "/v1/tasks?limit=1", user.token)).tasks[0].id as string;
    const task = await http("GET", `/v1/tasks/${taskId}`, user.token);
    const rid = task.awaiting_approval_request_id as string;
    if (task.status !== "AWAITING_APPROVAL") throw new Error(`task is ${task.status}, not waiting for approval`);
    say("   (Severity high gets buttons here because the demo sets SLACK_APPROVABLE_SEVERITIES=low,medium,high;");
    say("    by default Slack shows the CLI command for high-severity gates and refuses forged clicks.)");
    const payload = {
      type: "block_actions",
      user: { id: "UALICE", team_id: "T1" },
      team: { id: "T1" },
      trigger_id: "t",
      response_url: apis.responseUrl("click"),
      actions: [{ type: "button", action_id: `approve_action:${taskId}:${rid}`, block_id: "b", action_ts: "1" }],
    };
    const clickedAt = performance.now();
    await slack(
      "/slack/interactions",
      new URLSearchParams({ payload: JSON.stringify(payload) }).toString(),
      "application/x-www-form-urlencoded",
    );
    const answer = await until("the clicker's confirmation", () => apis.fake.calls.find((c) => c.method === "/response/click"), 10_000);
    say(`5. alice clicks Approve. Only she sees: ${answer.body.text}`);
    await until("COMPLETED", async () => (await http("GET", `/v1/tasks/${taskId}`, user.token)).status === "COMPLETED");
    await until("the thread to settle", () =>
      apis.fake.slackCalls("chat.postMessage").some((c) => String(c.body.text).includes("Task completed")),
    );
    await sleep(1500);
    say("\n6. The agent:");
    for (const l of agentOut.split("\n").filter((l) => l.includes("demo-agent:"))) say(`   ${l.replace(/^\[\w+\] /, "")}`);
    say("\n7. The Slack thread, in order:");
    for (const l of thread(apis.fake.calls.filter((c) => c.service === "slack"))) say(l);
    const comment = [...apis.fake.comments.values()][0];
    say(
      `\n8. GitHub issue #42 comment (edited in place):\n${
        comment
          ? comment.body
              .split("\n")
              .map((l) => `   ${l}`)
              .join("\n")
          : "   (none)"
      }`,
    );
    say(`\n9. The remote: ${execFileSync("git", ["log", "--oneline", "-1", "main"], { cwd: remote }).toString().trim()}`);
    const resume = resumedAt ? Math.round(resumedAt - clickedAt) : -1;
    say(`\nOutcome: COMPLETED. Decision-to-resume (click sent -> agent continues): ${resume} ms (the AWS twin polls every 2-5 s).`);
  } finally {
    runner?.child.kill("SIGTERM");
    await server.stop();
    await apis.stop();
    rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((err) => {
  process.stderr.write(`demo failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exitCode = 1;
});
