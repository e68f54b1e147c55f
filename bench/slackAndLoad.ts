/**
 * Bench scenarios that need a fake Slack and GitHub: Slack ack time, gate call -> approval card
 * at the fake Slack, dispatch throughput, and many tasks gating at once. Bundled and run by
 * bench/run.mjs against its wrangler dev (whose SLACK/GITHUB base URLs point at `apis`).
 */
import { request } from "../cli/dev/http.mjs";
import { linkSlackUser, slackPost, sleep, until } from "../cli/dev/support/e2e";
import type { FakeApiServer } from "../cli/dev/support/fakeApiServer";

export { startFakeApiServer } from "../cli/dev/support/fakeApiServer";

export const SIGNING_SECRET = "bench-signing-secret";
const now = () => performance.now();

interface Ctx {
  url: string;
  adminToken: string;
  apis: FakeApiServer;
}

async function api(ctx: Ctx, method: string, path: string, token: string, body?: unknown) {
  const res = await request(method, `${ctx.url}${path}`, { token, body });
  if (res.status >= 400) throw new Error(`${method} ${path}: ${res.status} ${res.text}`);
  return res.body?.data;
}

/** A Slack-signed POST that must be acknowledged with 200; how long the ack took. */
async function signed(ctx: Ctx, path: string, body: string, contentType: string) {
  const r = await slackPost(ctx.url, SIGNING_SECRET, path, body, contentType);
  if (r.status !== 200) throw new Error(`${path}: ${r.status} ${r.text}`);
  return r;
}

/** A user linked to a Slack user the way people do it: /bgagent link, then the CLI call. */
async function linkedUser(ctx: Ctx, slackUser: string) {
  const user = await api(ctx, "POST", "/v1/admin/users", ctx.adminToken, { name: slackUser });
  await linkSlackUser({
    baseUrl: ctx.url,
    secret: SIGNING_SECRET,
    userToken: user.token,
    slackUser,
    responseUrl: ctx.apis.responseUrl("link"),
  });
  return user as { user_id: string; token: string };
}

/**
 * Slack ack: signed app_mention events, each submitting a task (dedup, link lookup, repo check and
 * the TaskDO create happen after the ack). Then, for tasks from those mentions, a gate call that
 * needs approval until the card reaches the fake Slack.
 */
export async function benchSlack(ctx: Ctx, runnerToken: string, opts: { acks: number; burst: number; cards: number }) {
  await api(ctx, "PUT", "/v1/repos/bench/slack", ctx.adminToken, { approval_gate_cap: 500 });
  const users: Array<{ slackUser: string; token: string }> = [];
  for (let i = 0; i < Math.ceil(opts.cards / 15) + 1; i++) {
    const slackUser = `UBENCH${i}`;
    users.push({ slackUser, token: (await linkedUser(ctx, slackUser)).token });
  }
  // Mentions at a busy workspace's pace (4/s), then back to back (a burst): locally, workerd runs the
  // work after each ack on the same thread as the next request, so a burst measures that contention.
  const mention = async (i: number) => {
    const u = users[i % users.length];
    const ts = `${Math.floor(Date.now() / 1000)}.${String(i).padStart(6, "0")}`;
    const ev = {
      type: "event_callback",
      team_id: "T1",
      event_id: `EvBench${i}`,
      event: { type: "app_mention", user: u.slackUser, text: `<@UBOT> bench/slack#${i + 1} bench task ${i}`, channel: `CB${i}`, ts },
    };
    return (await signed(ctx, "/slack/events", JSON.stringify(ev), "application/json")).ms;
  };
  const ackMs: number[] = [];
  for (let i = 0; i < opts.acks; i++) {
    ackMs.push(await mention(i));
    await sleep(250);
  }
  const burstAckMs: number[] = [];
  for (let i = opts.acks; i < opts.acks + opts.burst; i++) burstAckMs.push(await mention(i));
  // and the cost of verification and routing alone: an event we acknowledge and ignore
  const ignoredAckMs: number[] = [];
  for (let i = 0; i < opts.acks; i++) {
    const ev = {
      type: "event_callback",
      team_id: "T1",
      event_id: `EvIgnored${i}`,
      event: { type: "message", channel_type: "channel", user: "UX", text: "hi", channel: "CX", ts: `1.${i}` },
    };
    ignoredAckMs.push((await signed(ctx, "/slack/events", JSON.stringify(ev), "application/json")).ms);
  }
  await sleep(3000); // let the burst's tasks be created

  // Approval cards: claim Slack-origin tasks, start them, and gate a force push on each.
  const cardMs: number[] = [];
  for (let i = 0; i < opts.cards; i++) {
    const c = await until("a task to claim", () => api(ctx, "POST", "/v1/runner/claim?wait=5", runnerToken), 30_000, 50);
    await api(ctx, "POST", `/v1/tasks/${c.task.task_id}/events`, c.task_token, { type: "session_started" });
    const channel = c.task.channel_metadata.slack_channel_id;
    const seen = ctx.apis.fake.calls.length;
    const s = now();
    const g = await api(ctx, "POST", `/v1/tasks/${c.task.task_id}/gate`, c.task_token, {
      tool_name: "Bash",
      tool_input: { command: "git push --force origin main" },
    });
    if (g.outcome !== "require_approval") throw new Error(`expected require_approval, got ${g.outcome}`);
    await until(
      "the approval card",
      () =>
        ctx.apis.fake.calls
          .slice(seen)
          .some(
            (x) => x.method === "chat.postMessage" && x.body.channel === channel && String(x.body.text).startsWith("Approval required"),
          ),
      30_000,
      5,
    );
    cardMs.push(now() - s);
  }
  return { ackMs, burstAckMs, ignoredAckMs, cardMs };
}

/**
 * Approval cards of tasks submitted outside Slack (CLI, API): gate call -> the card in the owner's
 * DM at the fake Slack (conversations.open, then chat.postMessage). Its own runner, limited to its
 * repo, so it never claims the Slack scenario's tasks.
 */
export async function benchDmCards(ctx: Ctx, opts: { cards: number }) {
  await api(ctx, "PUT", "/v1/repos/bench/dm", ctx.adminToken, { approval_gate_cap: 500 });
  const runner = await api(ctx, "POST", "/v1/admin/runners", ctx.adminToken, { name: "bench-dm", repos: ["bench/dm"] });
  const owner = await linkedUser(ctx, "UBENCHDM");
  const cardMs: number[] = [];
  for (let i = 0; i < opts.cards; i++) {
    const t = await api(ctx, "POST", "/v1/tasks", owner.token, { repo: "bench/dm", description: `dm card ${i}` });
    const c = await api(ctx, "POST", "/v1/runner/claim?wait=5", runner.token);
    if (c?.task.task_id !== t.task_id) throw new Error("the DM bench runner claimed another task");
    await api(ctx, "POST", `/v1/tasks/${t.task_id}/events`, c.task_token, { type: "session_started" });
    const seen = ctx.apis.fake.calls.length;
    const s = now();
    const g = await api(ctx, "POST", `/v1/tasks/${t.task_id}/gate`, c.task_token, {
      tool_name: "Bash",
      tool_input: { command: "git push --force origin main" },
    });
    if (g.outcome !== "require_approval") throw new Error(`expected require_approval, got ${g.outcome}`);
    await until(
      "the approval card in the DM",
      () =>
        ctx.apis.fake.calls
          .slice(seen)
          .some(
            (x) =>
              x.method === "chat.postMessage" &&
              String(x.body.channel).startsWith("D") &&
              JSON.stringify(x.body.blocks).includes(`approve ${t.task_id} ${g.request_id}`),
          ),
      30_000,
      5,
    );
    cardMs.push(now() - s);
  }
  return { cardMs };
}

/**
 * Dispatch throughput: `tasks` Slack-origin tasks with an issue each report `events` pr_created
 * events as fast as the API takes them; each is one Slack message and one GitHub comment edit.
 * Measured from the first report to the last delivery recorded (GET /v1/metrics).
 */
export async function benchDispatch(ctx: Ctx, runnerToken: string, opts: { tasks: number; events: number }) {
  const delivered = async () => {
    const m = await api(ctx, "GET", "/v1/metrics?since=1h", ctx.adminToken);
    return Object.values(m.dispatch as Record<string, { sent: number; dropped: number; skipped: number }>).reduce(
      (n, d) => n + d.sent + d.dropped + d.skipped,
      0,
    );
  };
  const u = await linkedUser(ctx, "UDISPATCH");
  await api(ctx, "PUT", "/v1/repos/bench/dispatch", ctx.adminToken, {});
  const tasks: Array<{ id: string; token: string }> = [];
  for (let i = 0; i < opts.tasks; i++) {
    const ts = `${Math.floor(Date.now() / 1000)}.${String(i).padStart(6, "0")}`;
    const ev = {
      type: "event_callback",
      team_id: "T1",
      event_id: `EvDispatch${i}`,
      event: { type: "app_mention", user: "UDISPATCH", text: `<@UBOT> bench/dispatch#${i + 1} dispatch ${i}`, channel: `CD${i}`, ts },
    };
    await signed(ctx, "/slack/events", JSON.stringify(ev), "application/json");
  }
  await until(
    "the mention tasks",
    async () => (await api(ctx, "GET", `/v1/tasks?limit=${opts.tasks}`, u.token)).tasks.length >= opts.tasks,
    30_000,
    100,
  );
  for (let i = 0; i < opts.tasks; i++) {
    const c = await until(
      "a dispatch task",
      async () => {
        const claimed = await api(ctx, "POST", "/v1/runner/claim?wait=5", runnerToken);
        return claimed?.task.repo === "bench/dispatch" ? claimed : null;
      },
      30_000,
      20,
    );
    await api(ctx, "POST", `/v1/tasks/${c.task.task_id}/events`, c.task_token, { type: "session_started" });
    tasks.push({ id: c.task.task_id, token: c.task_token });
  }
  // let the creation/session messages drain before measuring
  let last = -1;
  for (let cur = await delivered(); cur !== last; cur = await delivered()) {
    last = cur;
    await sleep(2000);
  }
  const start = now();
  await Promise.all(
    tasks.map(async (t) => {
      // One message each, to both services in turn: a PR comment to GitHub (Slack hears of the PR
      // only in the outcome message) and an agent error to the Slack thread.
      for (let i = 0; i < opts.events; i++)
        await api(
          ctx,
          "POST",
          `/v1/tasks/${t.id}/events`,
          t.token,
          i % 2 === 0
            ? { type: "pr_created", metadata: { pr_url: `https://github.com/bench/dispatch/pull/${i + 1}` } }
            : { type: "agent_error", metadata: { error_message: `bench error ${i}` } },
        );
    }),
  );
  const messages = opts.tasks * opts.events;
  await until("every dispatch message delivered", async () => (await delivered()) >= last + messages, 120_000, 100);
  const seconds = (now() - start) / 1000;
  return { messages, seconds, perSecond: messages / seconds };
}

/** `tasks` running tasks, all gating at once (`calls` each: reads allowed, one hard deny). */
export async function benchConcurrency(ctx: Ctx, runnerToken: string, opts: { tasks: number; calls: number }) {
  await api(ctx, "PUT", "/v1/repos/bench/concurrent", ctx.adminToken, {});
  const user = await api(ctx, "POST", "/v1/admin/users", ctx.adminToken, { name: "concurrent" });
  for (let i = 0; i < opts.tasks; i++) await api(ctx, "POST", "/v1/tasks", user.token, { repo: "bench/concurrent", description: `c${i}` });
  const tasks: Array<{ id: string; token: string }> = [];
  while (tasks.length < opts.tasks) {
    const c = await api(ctx, "POST", "/v1/runner/claim?wait=5", runnerToken);
    if (!c) throw new Error(`only ${tasks.length} tasks to claim`);
    if (c.task.repo !== "bench/concurrent") continue;
    await api(ctx, "POST", `/v1/tasks/${c.task.task_id}/events`, c.task_token, { type: "session_started" });
    tasks.push({ id: c.task.task_id, token: c.task_token });
  }
  const latencies: number[] = [];
  let errors = 0;
  const start = now();
  await Promise.all(
    tasks.map(async (t) => {
      for (let i = 0; i < opts.calls; i++) {
        const deny = i === opts.calls - 1;
        const body = deny
          ? { tool_name: "Bash", tool_input: { command: "rm -rf /" } }
          : { tool_name: "Read", tool_input: { file_path: `src/f${i}.ts` } };
        const s = now();
        try {
          const res = await request("POST", `${ctx.url}/v1/tasks/${t.id}/gate`, { token: t.token, body });
          latencies.push(now() - s);
          if (res.status !== 200 || res.body?.data?.outcome !== (deny ? "deny" : "allow")) errors++;
        } catch {
          errors++;
        }
      }
    }),
  );
  return { latencies, errors, seconds: (now() - start) / 1000, calls: opts.tasks * opts.calls };
}
