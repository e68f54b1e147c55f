import { env } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { FakeApis } from "../../cli/dev/support/fakeApis";
import { channelsFor } from "../../src/shared/events";
import { newId } from "../../src/shared/ids";
import { ADMIN, call } from "../helpers/api";
import { deliver, message, one, recordApproval, requestedMeta, slackTask } from "../helpers/dispatch";
import { installFakeApis } from "../helpers/fakeFetch";

let fake: FakeApis;
beforeEach(() => {
  fake = installFakeApis();
});
afterEach(() => vi.restoreAllMocks());

const deliveries = (eventId: string) =>
  env.DB.prepare("SELECT channel, status, slack_ts, github_comment_id, ref, detail FROM deliveries WHERE event_id = ?")
    .bind(eventId)
    .all<any>();

describe("routing table", () => {
  it.each([
    ["task_created", "slack", null, ["slack"]],
    ["task_created", "api", 3, []],
    ["approval_requested", "slack", 3, ["slack"]],
    ["approval_granted", "slack", 3, ["slack"]],
    ["task_completed", "slack", 3, ["slack", "github"]],
    ["task_completed", "api", null, ["slack"]],
    ["approval_requested", "api", null, ["slack"]],
    ["approval_timed_out", "api", null, ["slack"]],
    ["session_started", "api", null, []],
    ["agent_error", "api", null, []],
    ["pr_created", "api", 3, ["github"]],
    ["pr_created", "slack", 3, ["github"]],
    ["pr_created", "slack", null, []],
    ["gate_tampered", "slack", 3, ["slack", "github"]],
    ["gate_tampered", "api", 3, ["github"]],
    ["hydration_started", "slack", 3, []],
    ["gate_denied", "slack", 3, []],
  ] as const)("%s for a %s task with issue %s goes to %j", (type, source, issue, want) => {
    expect(channelsFor(type, { channel_source: source, issue_number: issue })).toEqual(want);
  });
});

describe("Slack dispatcher", () => {
  it("posts task_created in the task's thread, records the ts, and never posts twice", async () => {
    const t = await slackTask();
    const m = message(t, "slack", "task_created");
    expect((await one(m)).acked).toEqual(["only"]);
    const post = fake.slackCalls("chat.postMessage");
    expect(post).toHaveLength(1);
    expect(post[0].body).toMatchObject({ channel: "C1", thread_ts: "1700000000.000001", unfurl_links: false });
    expect(post[0].body.text).toContain(":rocket: *Task submitted*");
    expect((await deliveries(m.event.event_id)).results).toEqual([
      expect.objectContaining({ channel: "slack", status: "sent", ref: "created", slack_ts: expect.any(String) }),
    ]);
    expect((await one(m, 2)).acked).toEqual(["only"]);
    expect(fake.slackCalls("chat.postMessage")).toHaveLength(1);
  });

  it("posts session_started with an owner-only Cancel button and moves the reaction to the hourglass", async () => {
    const t = await slackTask();
    await one(message(t, "slack", "session_started"));
    const blocks = fake.slackCalls("chat.postMessage")[0].body.blocks;
    const button = blocks.find((b: any) => b.type === "actions").elements[0];
    expect(button).toMatchObject({ action_id: `cancel_task:${t.task_id}`, style: "danger" });
    expect(fake.slackCalls("reactions.remove")[0].body.name).toBe("eyes");
    expect(fake.slackCalls("reactions.add")[0].body.name).toBe("hourglass_flowing_sand");
  });

  it("posts an approval card with buttons for medium severity and the CLI command for high", async () => {
    const t = await slackTask();
    const meta = {
      request_id: newId(),
      tool_name: "Bash",
      input_preview: "{}",
      reason: "Soft-deny: force_push_any",
      severity: "medium",
      timeout_s: 300,
      expires_at: new Date().toISOString(),
      matching_rule_ids: ["force_push_any"],
    };
    await recordApproval(t, meta.request_id);
    await one(message(t, "slack", "approval_requested", meta));
    const actions = fake.slackCalls("chat.postMessage")[0].body.blocks.find((b: any) => b.type === "actions");
    expect(actions.elements.map((e: any) => e.action_id)).toEqual([
      `approve_action:${t.task_id}:${meta.request_id}`,
      `approve_session_action:${t.task_id}:${meta.request_id}`,
      `deny_action:${t.task_id}:${meta.request_id}`,
    ]);
    const highId = newId();
    await recordApproval(t, highId, { severity: "high" });
    await one(message(t, "slack", "approval_requested", { ...meta, request_id: highId, severity: "high" }));
    const high = fake.slackCalls("chat.postMessage")[1].body.blocks;
    expect(high.find((b: any) => b.type === "actions")).toBeUndefined();
    expect(JSON.stringify(high)).toContain(`bgagent approve ${t.task_id} ${highId}`);
  });

  it("edits the card after the decision, and makes a decision that overtakes its card wait", async () => {
    const t = await slackTask();
    const rid = "01JCCCCCCCCCCCCCCCCCCCCCCC";
    await recordApproval(t, rid, {
      status: "APPROVED",
      decided_at: new Date().toISOString(),
      decided_by: t.user_id,
      scope: "rule:force_push_any",
      version: 2,
    });
    const granted = message(t, "slack", "approval_granted", { request_id: rid });
    const early = await one(granted);
    expect(early.retried).toEqual([{ id: "only", delaySeconds: 5 }]);
    expect(fake.slackCalls("chat.update")).toHaveLength(0);
    // Other messages in the thread, before and after the card, so the edit has wrong ts to pick.
    await one(message(t, "slack", "task_created"));
    await one(message(t, "slack", "approval_requested", requestedMeta(rid)));
    await one(message(t, "slack", "session_started"));
    const posts = fake.slackCalls("chat.postMessage");
    expect(posts).toHaveLength(3);
    const card = posts[1];
    expect((await one(granted, 2)).acked).toEqual(["only"]);
    const update = fake.slackCalls("chat.update")[0].body;
    expect(update.ts).toBe(card.response.ts);
    expect(update.channel).toBe(card.body.channel);
    expect(new Set(posts.map((p) => p.response.ts)).size).toBe(3);
    expect(update.blocks.find((b: any) => b.type === "actions")).toBeUndefined();
    expect(JSON.stringify(update.blocks)).toContain("*Approved* by");
    expect(JSON.stringify(update.blocks)).toContain("rule:force_push_any");
  });

  it("shows 'Expired — denied (fail closed)' on a timed-out card", async () => {
    const t = await slackTask();
    const rid = "01JDDDDDDDDDDDDDDDDDDDDDDD";
    await recordApproval(t, rid, { status: "TIMED_OUT", decided_at: new Date().toISOString(), version: 2 });
    await one(message(t, "slack", "approval_requested", requestedMeta(rid, [])));
    await one(message(t, "slack", "approval_timed_out", { request_id: rid }));
    expect(JSON.stringify(fake.slackCalls("chat.update")[0].body.blocks)).toContain("Expired — denied (fail closed)");
  });

  it("posts the first outcome only, sets the final reaction and deletes the progress messages", async () => {
    const t = await slackTask();
    await deliver([{ body: message(t, "slack", "task_created") }, { body: message(t, "slack", "session_started") }]);
    const [created, started] = fake.slackCalls("chat.postMessage");
    expect(created && started).toBeTruthy();
    await one(
      message(
        t,
        "slack",
        "task_completed",
        { duration_s: 130 },
        { status: "COMPLETED", pr_url: "https://github.com/acme/x/pull/9", cost_usd: 1.234 },
      ),
    );
    const outcome = fake.slackCalls("chat.postMessage")[2].body;
    expect(outcome.text).toContain(":white_check_mark: *Task completed*");
    expect(outcome.text).toContain("2m 10s · $1.23");
    expect(JSON.stringify(outcome.blocks)).toContain("View PR #9");
    expect(fake.slackCalls("chat.delete").map((c) => c.body.ts)).toHaveLength(2);
    expect(fake.slackCalls("reactions.add").at(-1)!.body.name).toBe("white_check_mark");
    const second = message(t, "slack", "task_failed");
    await one(second);
    expect(fake.slackCalls("chat.postMessage")).toHaveLength(3);
    expect((await deliveries(second.event.event_id)).results[0]).toMatchObject({ status: "skipped" });
  });

  it("one Slack message per PR: a stray pr_created posts nothing; the outcome links the PR, failed or not", async () => {
    const t = await slackTask();
    const pr = "https://github.com/acme/x/pull/12";
    const stray = message(t, "slack", "pr_created", { pr_url: pr }, { pr_url: pr });
    await one(stray);
    expect(fake.slackCalls("chat.postMessage")).toHaveLength(0);
    expect((await deliveries(stray.event.event_id)).results[0]).toMatchObject({ status: "skipped" });
    await one(message(t, "slack", "task_failed", {}, { status: "FAILED", pr_url: pr, error_message: "tests broke" }));
    const posts = fake.slackCalls("chat.postMessage");
    expect(posts).toHaveLength(1);
    expect(posts[0].body.text).toContain(":x: *Task failed*");
    expect(posts[0].body.text).toContain(`Pull request: <${pr}|${pr}>`);
    expect(JSON.stringify(posts[0].body.blocks)).toContain("View PR #12");
  });

  it("an outcome without a PR has no PR button", async () => {
    const t = await slackTask();
    await one(message(t, "slack", "task_completed", { duration_s: 5 }, { status: "COMPLETED" }));
    const [post] = fake.slackCalls("chat.postMessage");
    expect(post.body.text).not.toContain("Pull request");
    expect(JSON.stringify(post.body.blocks)).not.toContain("View PR");
  });

  it("posts only the first agent_error of a task", async () => {
    const t = await slackTask();
    await one(message(t, "slack", "agent_error", { error_type: "ToolError", message_preview: "boom <script>" }));
    await one(message(t, "slack", "agent_error", { error_type: "ToolError", message_preview: "again" }));
    const posts = fake.slackCalls("chat.postMessage");
    expect(posts).toHaveLength(1);
    expect(posts[0].body.text).toContain("boom &lt;script&gt;");
  });

  it("skips tasks that did not come from Slack", async () => {
    const t = await slackTask();
    const m = message(t, "slack", "task_created", {}, { channel_metadata: {} });
    expect((await one(m)).acked).toEqual(["only"]);
    expect(fake.slackCalls()).toHaveLength(0);
  });
});

describe("Slack failures", () => {
  it("honours Retry-After on ratelimited", async () => {
    const t = await slackTask();
    fake.fail("slack", { kind: "ratelimited", retryAfter: 7 });
    expect((await one(message(t, "slack", "task_created"))).retried).toEqual([{ id: "only", delaySeconds: 7 }]);
  });

  it.each([
    ["HTTP 500", { kind: "status", status: 500 } as const],
    ["a timeout", { kind: "timeout" } as const],
    ["a network error", { kind: "network" } as const],
    ["internal_error", { kind: "slack_error", error: "internal_error" } as const],
  ])("retries %s with exponential backoff", async (_what, failure) => {
    const t = await slackTask();
    fake.fail("slack", failure);
    expect((await one(message(t, "slack", "task_created"), 3)).retried).toEqual([{ id: "only", delaySeconds: 8 }]);
  });

  it.each(["channel_not_found", "not_in_channel", "invalid_auth", "is_archived"])(
    "drops permanent error %s (acked, recorded)",
    async (code) => {
      const t = await slackTask();
      fake.fail("slack", { kind: "slack_error", error: code });
      const m = message(t, "slack", "task_created");
      expect((await one(m)).acked).toEqual(["only"]);
      expect((await deliveries(m.event.event_id)).results[0]).toMatchObject({
        status: "dropped",
        detail: `slack chat.postMessage: ${code}`,
      });
    },
  );

  it("does not post twice when only a reaction fails", async () => {
    const t = await slackTask();
    fake.fail("slack", { kind: "status", status: 500 }, 5, "reactions");
    expect((await one(message(t, "slack", "session_started"))).acked).toEqual(["only"]);
    expect(fake.slackCalls("chat.postMessage")).toHaveLength(1);
  });
});

describe("GitHub dispatcher", () => {
  it("creates one comment with the marker, then edits it in place", async () => {
    const t = await slackTask({ issue: 42 });
    await one(
      message(
        t,
        "github",
        "pr_created",
        { pr_url: "https://github.com/x/y/pull/1" },
        { pr_url: "https://github.com/x/y/pull/1", version: 3 },
      ),
    );
    const post = fake.githubCalls("POST");
    expect(post).toHaveLength(1);
    expect(post[0].method).toBe(`POST /repos/${t.repo}/issues/42/comments`);
    expect(post[0].body.body).toContain(`<!-- bgagent:task-id=${t.task_id} -->`);
    await one(message(t, "github", "task_completed", {}, { status: "COMPLETED", version: 5, cost_usd: 0.5 }));
    const patch = fake.githubCalls("PATCH");
    expect(patch).toHaveLength(1);
    expect(patch[0].body.body).toContain("### Background agent — COMPLETED");
    expect(patch[0].body.body).toContain("| Cost | $0.5000 |");
    expect(fake.comments.size).toBe(1);
  });

  it("creates the comment again when it was deleted (PATCH 404)", async () => {
    const t = await slackTask({ issue: 7 });
    await one(message(t, "github", "pr_created", {}, { version: 3 }));
    fake.comments.clear();
    await one(message(t, "github", "task_failed", {}, { status: "FAILED", version: 4 }));
    expect(fake.githubCalls("POST")).toHaveLength(2);
    expect(fake.comments.size).toBe(1);
  });

  it("ignores an event older than what the comment already shows", async () => {
    const t = await slackTask({ issue: 7 });
    await one(message(t, "github", "task_completed", {}, { status: "COMPLETED", version: 9 }));
    const stale = message(t, "github", "pr_created", {}, { version: 4 });
    await one(stale);
    expect(fake.githubCalls("PATCH")).toHaveLength(0);
    expect((await deliveries(stale.event.event_id)).results[0]).toMatchObject({ status: "skipped" });
  });
  // Failures and GitHub App credentials: test/dispatch/github.test.ts.
});

describe("channel isolation", () => {
  it("a Slack outage neither delays nor duplicates GitHub comments", async () => {
    const t = await slackTask({ issue: 11 });
    fake.fail("slack", { kind: "status", status: 503 }, Infinity);
    const s = message(t, "slack", "task_completed", {}, { version: 4 });
    const g = { ...s, channel: "github" as const };
    for (let attempt = 1; attempt <= 3; attempt++) {
      const r = await deliver([
        { id: "s", attempts: attempt, body: s },
        { id: "g", attempts: attempt, body: g },
      ]);
      expect(r.retried.map((x) => x.id)).toEqual(["s"]);
      expect(r.acked).toEqual(["g"]);
    }
    expect(fake.githubCalls("POST")).toHaveLength(1);
  });
});

describe("dead letters", () => {
  it("never acks a dead letter it could not store: retried while D1 refuses it, the rest of the batch stored", async () => {
    const t = await slackTask({ issue: 5 });
    const m = message(t, "github", "task_completed", {}, { status: "COMPLETED", version: 4 });
    // A real D1 failure for this test's rows only (storage is shared with the files running alongside).
    await env.DB.prepare(
      "CREATE TRIGGER IF NOT EXISTS test_dead_letter_refused BEFORE INSERT ON dead_letters WHEN NEW.id LIKE 'd1fail-%' BEGIN SELECT RAISE(ABORT, 'simulated D1 failure'); END",
    ).run();
    const failId = `d1fail-${m.event.event_id}`;
    const okId = `d1ok-${m.event.event_id}`;
    try {
      const r = await deliver(
        [
          { id: failId, attempts: 6, body: m },
          { id: okId, attempts: 6, body: m },
        ],
        "bgagent-dispatch-dlq",
      );
      expect(r.acked).toEqual([okId]);
      expect(r.retried).toEqual([{ id: failId, delaySeconds: 64 }]);
      expect(await env.DB.prepare("SELECT id FROM dead_letters WHERE id IN (?, ?)").bind(failId, okId).all()).toMatchObject({
        results: [{ id: okId }],
      });
    } finally {
      await env.DB.prepare("DROP TRIGGER test_dead_letter_refused").run();
    }
    // D1 is back: the retried delivery is stored and acked.
    expect((await deliver([{ id: failId, attempts: 7, body: m }], "bgagent-dispatch-dlq")).acked).toEqual([failId]);
    expect(await env.DB.prepare("SELECT task_id FROM dead_letters WHERE id = ?").bind(failId).first()).toEqual({ task_id: t.task_id });
  });

  it("records what the DLQ receives; an admin lists and replays it through the real queue", async () => {
    const t = await slackTask({ issue: 5 });
    const m = message(t, "github", "task_completed", {}, { status: "COMPLETED", version: 4 });
    const dlq = await deliver([{ id: "dead-1", attempts: 6, body: m }], "bgagent-dispatch-dlq");
    expect(dlq.acked).toEqual(["dead-1"]);
    const list = await call("GET", "/v1/admin/dead-letters", { token: ADMIN });
    expect(list.body.data.dead_letters.find((d: any) => d.id === "dead-1")).toMatchObject({ attempts: 6, replayed_at: null });
    const replay = await call("POST", "/v1/admin/dead-letters/dead-1/replay", { token: ADMIN });
    expect(replay.status).toBe(202);
    await vi.waitFor(() => expect(fake.githubCalls("POST").length).toBe(1), { timeout: 10_000, interval: 100 });
    expect(
      (await call("GET", "/v1/admin/dead-letters", { token: ADMIN })).body.data.dead_letters.find((d: any) => d.id === "dead-1")
        .replayed_at,
    ).not.toBeNull();
    expect((await call("POST", "/v1/admin/dead-letters/nope/replay", { token: ADMIN })).status).toBe(404);
  });

  it("Slack down for a long stretch: retried with growing delays, dead-lettered, then replayed once Slack is back", async () => {
    const t = await slackTask({ channel: "CDOWN" });
    const m = message(t, "slack", "task_completed", {}, { status: "COMPLETED", pr_url: "https://github.com/acme/x/pull/9" });
    fake.fail("slack", { kind: "status", status: 503 }, Infinity);
    const delays: number[] = [];
    // The queue runtime delivers attempts 1..6 (max_retries = 5); each fails and asks for a later retry.
    for (let attempt = 1; attempt <= 6; attempt++) {
      const r = await deliver([{ id: "down", attempts: attempt, body: m }]);
      expect(r.acked).toEqual([]);
      delays.push(r.retried[0].delaySeconds!);
    }
    expect(delays).toEqual([2, 4, 8, 16, 32, 64]);
    expect(await env.DB.prepare("SELECT 1 FROM deliveries WHERE event_id = ?").bind(m.event.event_id).first()).toBeNull();
    // ...then the runtime hands it to the DLQ, whose consumer keeps it for an operator.
    await deliver([{ id: "down-dlq", attempts: 6, body: m }], "bgagent-dispatch-dlq");
    const posts = () =>
      fake.succeeded("slack", "chat.postMessage").filter((c) => c.body.channel === "CDOWN" && JSON.stringify(c.body).includes("pull/9"));
    expect(posts()).toHaveLength(0);

    fake.clearFailures();
    expect((await call("POST", "/v1/admin/dead-letters/down-dlq/replay", { token: ADMIN })).status).toBe(202);
    await vi.waitFor(() => expect(posts()).toHaveLength(1), { timeout: 10_000, interval: 100 });
    // A second replay (an operator clicking twice) does not post again.
    expect((await call("POST", "/v1/admin/dead-letters/down-dlq/replay", { token: ADMIN })).status).toBe(202);
    await vi.waitFor(
      async () =>
        expect(await env.DB.prepare("SELECT status FROM deliveries WHERE event_id = ?").bind(m.event.event_id).first()).toEqual({
          status: "sent",
        }),
      { timeout: 10_000, interval: 100 },
    );
    await new Promise((r) => setTimeout(r, 1500));
    expect(posts()).toHaveLength(1);
    const metrics = (await call("GET", "/v1/metrics?since=1h", { token: ADMIN })).body.data;
    expect(metrics.dispatch.slack.dead_lettered).toBeGreaterThanOrEqual(1);
  });
});
