/**
 * An event storm: 1000 events across 50 tasks (1050 channel messages), every message delivered
 * twice, in shuffled order, with transient Slack and GitHub failures. The queue is simulated as the
 * runtime behaves (batches of 10, retried messages come back later). Nothing may be posted twice
 * and nothing may be lost.
 */
import { env } from "cloudflare:workers";
import { afterEach, expect, it, vi } from "vitest";
import { channelsFor, type EventType } from "../../src/shared/events";
import { newId } from "../../src/shared/ids";
import type { DispatchMessage } from "../../src/shared/types";
import { statementFor } from "../../src/store/records";
import { deliver, message, requestedMeta, slackTask } from "../helpers/dispatch";
import { installFakeApis } from "../helpers/fakeFetch";

afterEach(() => vi.restoreAllMocks());

const TASKS = 50;
const APPROVALS_PER_TASK = 8;

it("delivers 1000 events across 50 tasks with zero duplicates and zero losses", { timeout: 120_000 }, async () => {
  const t0 = Date.now();
  const fake = installFakeApis();
  const messages: DispatchMessage[] = [];
  let eventCount = 0;
  const taskIds: string[] = [];
  for (let i = 0; i < TASKS; i++) {
    const t = await slackTask({ issue: i + 1, channel: `C${i}` });
    taskIds.push(t.task_id);
    const events: Array<[EventType, Record<string, unknown>]> = [
      ["task_created", {}],
      ["session_started", {}],
    ];
    for (let k = 0; k < APPROVALS_PER_TASK; k++) {
      const rid = newId();
      await statementFor(env.DB, {
        op: "approval",
        approval: {
          request_id: rid,
          task_id: t.task_id,
          user_id: t.user_id,
          repo: t.repo,
          tool_name: "Bash",
          tool_input_preview: "{}",
          tool_input: {},
          effects: [],
          tool_input_sha256: "h",
          reason: "Soft-deny: force_push_any",
          severity: "medium",
          matching_rule_ids: ["force_push_any"],
          status: "APPROVED",
          timeout_s: 300,
          created_at: new Date().toISOString(),
          expires_at: new Date().toISOString(),
          decided_at: new Date().toISOString(),
          decided_by: t.user_id,
          scope: "this_call",
          deny_reason: null,
          version: 2,
        },
      }).run();
      events.push(["approval_requested", requestedMeta(rid)], ["approval_granted", { request_id: rid }]);
    }
    events.push(["pr_created", { pr_url: `https://github.com/acme/x/pull/${i}` }], ["task_completed", { duration_s: 60 }]);
    events.forEach(([type, meta], v) => {
      eventCount++;
      // The storm's own Slack channel, apart from the real task_created the submit itself queues.
      const msg = message(t, "slack", type, meta, {
        version: v + 1,
        status: type === "task_completed" ? "COMPLETED" : "RUNNING",
        channel_metadata: { ...t.channel_metadata, slack_channel_id: `STORM${i}` },
      });
      // Routed as the outbox routes (the PR reaches Slack with the outcome, not on its own).
      for (const channel of channelsFor(type, t)) messages.push({ ...msg, channel });
    });
  }
  expect(eventCount).toBe(1000);
  expect(messages).toHaveLength(1050);

  // Every message twice, shuffled; transient failures sprinkled in.
  let rng = 42;
  const random = () => (rng = (rng * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  let queue = [...messages, ...messages].map((body, i) => ({ id: `q${i}`, attempts: 1, body }));
  queue.sort(() => random() - 0.5);
  fake.fail("slack", { kind: "status", status: 500 }, 60, "chat.postMessage");
  fake.fail("slack", { kind: "ratelimited", retryAfter: 1 }, 20, "chat.update");
  fake.fail("github", { kind: "status", status: 502 }, 10);

  const started = Date.now();
  let rounds = 0;
  while (queue.length && rounds++ < 2000) {
    const batch = queue.slice(0, 10);
    queue = queue.slice(10);
    const r = await deliver(batch);
    const retried = new Set(r.retried.map((x) => x.id));
    expect(r.acked.length + retried.size).toBe(batch.length);
    queue.push(...batch.filter((m) => retried.has(m.id)).map((m) => ({ ...m, attempts: m.attempts + 1 })));
  }
  const elapsed = Date.now() - started;
  const inTasks = `task_id IN (${taskIds.map(() => "?").join(",")})`;
  expect(queue).toHaveLength(0);

  // Zero losses: exactly one delivery record per (event, channel). Skips are only the two
  // out-of-order cases by design: a progress message after the outcome, a GitHub status older
  // than the one shown.
  // (The real queue also carries each task's own task_created from submit: only count the storm's events.)
  const ours = new Set(messages.map((m) => m.event.event_id));
  const all = await env.DB.prepare(`SELECT event_id, channel, status, detail FROM deliveries WHERE ${inTasks}`)
    .bind(...taskIds)
    .all<{ event_id: string; channel: string; status: string; detail: string | null }>();
  const rows = all.results.filter((r) => ours.has(r.event_id));
  expect(new Set(rows.map((r) => `${r.event_id}/${r.channel}`)).size).toBe(1050);
  expect(rows).toHaveLength(1050);
  const skipped = rows.filter((r) => r.status !== "sent");
  for (const r of skipped) expect(["the task already ended", "a newer status is already shown"]).toContain(r.detail);
  const lateProgress = skipped.filter((r) => r.channel === "slack").length;

  // Zero duplicates as a person sees it.
  const perTask = 2 + APPROVALS_PER_TASK + 1; // created, started, cards, outcome (with the PR)
  const inStorm = (method: string) => fake.succeeded("slack", method).filter((c) => String(c.body.channel).startsWith("STORM"));
  expect(inStorm("chat.postMessage")).toHaveLength(TASKS * perTask - lateProgress);
  expect(inStorm("chat.update")).toHaveLength(TASKS * APPROVALS_PER_TASK);
  expect(fake.comments.size).toBe(TASKS);
  expect(fake.succeeded("github", "POST")).toHaveLength(TASKS);
  for (const c of fake.comments.values()) expect(c.body).toContain("COMPLETED");

  console.log(
    JSON.stringify({
      storm: {
        events: eventCount,
        messages: 1050,
        deliveries_attempted: 2100,
        rounds,
        setup_ms: started - t0,
        elapsed_ms: elapsed,
        skipped_out_of_order: skipped.length,
      },
    }),
  );
});
