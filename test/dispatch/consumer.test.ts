import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { channelsFor } from "../../src/dispatch/routing";
import worker from "../../src/index";
import type { DispatchMessage } from "../../src/shared/types";
import { createUser, onboardRepo, submit } from "../helpers/api";

async function message(eventType: string, issue: number | null = 5): Promise<DispatchMessage> {
  const user = await createUser();
  const task = await submit(user.token, { repo: await onboardRepo(), description: "x", ...(issue ? { issue_number: issue } : {}) });
  return { channel: "github", task, event: { event_id: crypto.randomUUID(), task_id: task.task_id, event_type: eventType, metadata: {}, created_at: new Date().toISOString() } };
}

describe("routing table", () => {
  it.each([
    ["task_created", "slack", null, ["slack"]],
    ["task_created", "api", 3, []],
    ["approval_requested", "slack", 3, ["slack"]],
    ["task_completed", "slack", 3, ["slack", "github"]],
    ["task_completed", "api", null, []],
    ["pr_created", "api", 3, ["github"]],
    ["hydration_started", "slack", 3, []],
    ["gate_denied", "slack", 3, []],
  ] as const)("%s for a %s task with issue %s goes to %j", (type, source, issue, want) => {
    expect(channelsFor(type, { channel_source: source, issue_number: issue })).toEqual(want);
  });
});

describe("DISPATCH consumer", () => {
  it("records a delivery per (event, channel) and acks; a redelivery does nothing twice", async () => {
    const body = await message("task_completed");
    for (let attempt = 1; attempt <= 2; attempt++) {
      const batch = createMessageBatch<DispatchMessage>("bgagent-dispatch", [{ id: `m${attempt}`, timestamp: new Date(), attempts: attempt, body }]);
      const ctx = createExecutionContext();
      await worker.queue(batch, env, ctx);
      expect((await getQueueResult(batch, ctx)).explicitAcks).toEqual([`m${attempt}`]);
    }
    const rows = await env.DB.prepare("SELECT status, detail FROM deliveries WHERE event_id = ?").bind(body.event.event_id).all();
    expect(rows.results).toEqual([{ status: "skipped", detail: "no dispatcher for github" }]);
  });

  it("records what reaches the dead-letter queue", async () => {
    const body = await message("task_failed");
    const batch = createMessageBatch<DispatchMessage>("bgagent-dispatch-dlq", [{ id: "dead-1", timestamp: new Date(), attempts: 6, body }]);
    const ctx = createExecutionContext();
    await worker.queue(batch, env, ctx);
    expect((await getQueueResult(batch, ctx)).explicitAcks).toEqual(["dead-1"]);
    const row = await env.DB.prepare("SELECT queue, attempts, message FROM dead_letters WHERE id = 'dead-1'").first<any>();
    expect(row).toMatchObject({ queue: "bgagent-dispatch-dlq", attempts: 6 });
    expect(JSON.parse(row.message).event.event_id).toBe(body.event.event_id);
  });
});

describe("cron reconciler", () => {
  it("prunes expired link codes, old dedup rows and rate counters", async () => {
    const now = Date.now();
    await env.DB.batch([
      env.DB.prepare("INSERT INTO slack_link_codes (code, slack_team_id, slack_user_id, expires_at, created_at) VALUES ('OLD1', 'T', 'U', ?, '')").bind(now - 1),
      env.DB.prepare("INSERT INTO slack_link_codes (code, slack_team_id, slack_user_id, expires_at, created_at) VALUES ('NEW1', 'T', 'U', ?, '')").bind(now + 600_000),
      env.DB.prepare("INSERT INTO slack_event_dedup (event_key, received_at) VALUES ('old-event', ?)").bind(now - 2 * 3600_000),
    ]);
    const { reconcile } = await import("../../src/task/reconciler");
    const r = await reconcile(env, now);
    expect(r.codes).toBeGreaterThanOrEqual(1);
    expect(r.dedup).toBeGreaterThanOrEqual(1);
    const codes = await env.DB.prepare("SELECT code FROM slack_link_codes WHERE code IN ('OLD1','NEW1')").all<{ code: string }>();
    expect(codes.results.map((c) => c.code)).toEqual(["NEW1"]);
  });
});
