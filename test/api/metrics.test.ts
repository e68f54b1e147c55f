import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { parseSince } from "../../src/api/metrics";
import { summarize } from "../../src/shared/percentiles";
import type { TaskDO } from "../../src/task/TaskDO";
import { ADMIN, call, createUser, runningTask } from "../helpers/api";
import { deliver, message, slackTask } from "../helpers/dispatch";

type Task = { taskId: string; taskToken: string; user: { token: string } };
const gate = (t: Task, tool_name: string, tool_input: Record<string, unknown>) =>
  call("POST", `/v1/tasks/${t.taskId}/gate`, { token: t.taskToken, body: { tool_name, tool_input } });
const stubOf = (taskId: string) => env.TASKS.get(env.TASKS.idFromName(taskId));
const metrics = async (since: string) => {
  const r = await call("GET", `/v1/metrics?since=${encodeURIComponent(since)}`, { token: ADMIN });
  expect(r.status).toBe(200);
  return r.body.data;
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function askAndWait(t: Task, command: string): Promise<string> {
  const g = await gate(t, "Bash", { command });
  expect(g.body.data.outcome).toBe("require_approval");
  await sleep(30); // so decision latencies are measurably > 0
  return g.body.data.request_id;
}

describe("percentiles and windows (pure)", () => {
  it("nearest-rank percentiles", () => {
    expect(summarize([])).toEqual({ count: 0, p50: null, p90: null, p99: null });
    expect(summarize([5])).toEqual({ count: 1, p50: 5, p90: 5, p99: 5 });
    const hundred = Array.from({ length: 100 }, (_, i) => 100 - i); // 100..1, unsorted on purpose
    expect(summarize(hundred)).toEqual({ count: 100, p50: 50, p90: 90, p99: 99 });
  });

  it("since: durations and ISO times; nonsense is null", () => {
    const now = Date.parse("2026-01-02T00:00:00.000Z");
    expect(parseSince("24h", now)).toBe(Date.parse("2026-01-01T00:00:00.000Z"));
    expect(parseSince("30m", now)).toBe(now - 1_800_000);
    expect(parseSince("7d", now)).toBe(now - 7 * 86_400_000);
    expect(parseSince("2025-12-31T12:00:00Z", now)).toBe(Date.parse("2025-12-31T12:00:00Z"));
    for (const bad of ["", "24", "h", "-1h", "1w", "yesterday", "1e3h", "2025-13-45"]) expect(parseSince(bad, now)).toBeNull();
  });
});

describe("GET /v1/metrics", () => {
  it("is for the admin only, and says what a bad window looks like", async () => {
    const user = await createUser();
    expect((await call("GET", "/v1/metrics", { token: user.token })).status).toBe(403);
    expect((await call("GET", "/v1/metrics")).status).toBe(401);
    for (const since of ["soon", "2999-01-01T00:00:00Z", "x".repeat(50)]) {
      const r = await call("GET", `/v1/metrics?since=${since}`, { token: ADMIN });
      expect(r.status).toBe(400);
      expect(r.body.error.code).toBe("VALIDATION_ERROR");
    }
    const d = await metrics("24h");
    expect(Date.parse(d.window.until) - Date.parse(d.window.since)).toBe(86_400_000);
  });

  it("counts gate decisions, approvals by outcome and rule, decision latency and clip-free timeouts", async () => {
    const since = new Date().toISOString();
    const t = await runningTask();
    for (const f of ["a.ts", "b.ts", "c.ts"]) expect((await gate(t, "Read", { file_path: f })).body.data.outcome).toBe("allow");
    expect((await gate(t, "Bash", { command: "rm -rf /" })).body.data.outcome).toBe("deny");

    const approved = await askAndWait(t, "git push --force origin feature/a");
    expect((await call("POST", `/v1/tasks/${t.taskId}/approve`, { token: t.user.token, body: { request_id: approved } })).status).toBe(202);
    await askAndWait(t, "git push --force origin feature/b");
    await runInDurableObject(stubOf(t.taskId), async (inst, state) => {
      state.storage.sql.exec("UPDATE approvals SET deadline = ? WHERE status = 'PENDING'", Date.now() - 1);
      await (inst as TaskDO).alarm();
    });
    const denied = await askAndWait(t, "git push --force origin feature/c");
    expect(
      (await call("POST", `/v1/tasks/${t.taskId}/deny`, { token: t.user.token, body: { request_id: denied, reason: "no" } })).status,
    ).toBe(202);

    // Gate counts reach D1 with the next state change (here: the task finishing).
    expect((await call("POST", `/v1/tasks/${t.taskId}/finish`, { token: t.taskToken, body: { status: "COMPLETED" } })).status).toBe(200);

    const m = await metrics(since);
    expect(m.gate).toEqual({ allow: 3, deny: 1, require_approval: 3, total: 7 });
    expect(m.approvals).toMatchObject({ requested: 3, approved: 1, denied: 1, timed_out: 1, pending: 0, stranded: 0 });
    expect(m.approvals.by_rule.force_push_any).toMatchObject({ requested: 3, approved: 1, denied: 1, timed_out: 1 });
    for (const k of ["approved", "denied", "timed_out"]) {
      expect(m.decision_latency_ms[k].count).toBe(1);
      expect(m.decision_latency_ms[k].p50).toBeGreaterThanOrEqual(20);
      expect(m.decision_latency_ms[k].p99).toBeLessThan(10_000);
    }
    expect(m.timeout_clipped).toBe(0);
    expect(m.timeout_clip_rate).toBe(0);
    expect(m.tasks.by_status.COMPLETED).toBeGreaterThanOrEqual(1);
  });

  it("flushes gate counts by the alarm when nothing else changes, and never goes backwards", async () => {
    const since = new Date().toISOString();
    const t = await runningTask();
    await gate(t, "Read", { file_path: "x.ts" });
    const before = await env.DB.prepare("SELECT allow FROM gate_stats WHERE task_id = ?").bind(t.taskId).first();
    expect(before).toBeNull(); // not yet: counted in the DO, written within 10 s
    await runInDurableObject(stubOf(t.taskId), async (inst, state) => {
      expect(await state.storage.getAlarm()).toBeLessThanOrEqual(Date.now() + 10_000);
      state.storage.sql.exec("UPDATE kv SET value = ? WHERE key = 'stats_due'", JSON.stringify(Date.now() - 1));
      await (inst as TaskDO).alarm();
    });
    expect((await metrics(since)).gate.allow).toBeGreaterThanOrEqual(1);
    const row = await env.DB.prepare("SELECT allow FROM gate_stats WHERE task_id = ?").bind(t.taskId).first<{ allow: number }>();
    expect(row?.allow).toBe(1);
    // a stale retry of an older count is ignored
    await env.DB.prepare(
      "INSERT INTO gate_stats (task_id, allow, deny, require_approval, updated_at) VALUES (?, 0, 0, 0, ?) ON CONFLICT (task_id) DO UPDATE SET allow = max(allow, excluded.allow)",
    )
      .bind(t.taskId, new Date().toISOString())
      .run();
    expect((await env.DB.prepare("SELECT allow FROM gate_stats WHERE task_id = ?").bind(t.taskId).first<{ allow: number }>())?.allow).toBe(
      1,
    );
  });

  it("counts dispatch sent, retried and dead-lettered per channel", async () => {
    const since = new Date().toISOString();
    const task = await slackTask();
    const before = (await metrics(since)).dispatch.slack ?? { sent: 0, retried: 0, dead_lettered: 0 };
    await deliver([
      { id: "third-try", attempts: 3, body: message(task, "slack", "task_completed", { duration_s: 5 }, { status: "COMPLETED" }) },
    ]);
    await deliver(
      [{ id: "gave-up", attempts: 6, body: message(task, "slack", "agent_milestone", { milestone: "x" }) }],
      "bgagent-dispatch-dlq",
    );
    const after = (await metrics(since)).dispatch.slack;
    expect(after.sent - before.sent).toBe(1);
    expect(after.retried - before.retried).toBe(2);
    expect(after.dead_lettered - before.dead_lettered).toBe(1);
  });
});

describe("Workers Analytics Engine (optional binding)", () => {
  it("gets one data point per gate decision when GATE_ANALYTICS is bound", async () => {
    const t = await runningTask();
    const points: AnalyticsEngineDataPoint[] = [];
    await runInDurableObject(stubOf(t.taskId), (inst) => {
      const self = inst as unknown as { env: Record<string, unknown> };
      self.env = { ...self.env, GATE_ANALYTICS: { writeDataPoint: (p: AnalyticsEngineDataPoint) => void points.push(p) } };
    });
    await gate(t, "Read", { file_path: "a.ts" });
    await gate(t, "Bash", { command: "rm -rf /" });
    expect(points.map((p) => p.blobs)).toEqual([
      ["allow", "Read", ""],
      ["deny", "Bash", "rm_slash"],
    ]);
    expect(points[0].indexes).toEqual([t.repo]);
    expect(points[0].doubles![0]).toBeGreaterThanOrEqual(0);
  });
});

describe("structured logs", () => {
  it("are one JSON object per line with request_id or task_id, and never carry tokens or deny reasons", async () => {
    const lines: string[] = [];
    const capture = (...args: unknown[]) => void lines.push(args.map(String).join(" "));
    const spies = [
      vi.spyOn(console, "log").mockImplementation(capture),
      vi.spyOn(console, "warn").mockImplementation(capture),
      vi.spyOn(console, "error").mockImplementation(capture),
    ];
    try {
      const t = await runningTask();
      const g = await gate(t, "Bash", { command: "git push --force origin secret-branch-name" });
      await call("POST", `/v1/tasks/${t.taskId}/deny`, {
        token: t.user.token,
        body: { request_id: g.body.data.request_id, reason: "REASON-do-not-log-4711" },
      });
      await gate(t, "Bash", { command: "rm -rf /" });
      await call("GET", `/v1/tasks/${t.taskId}`, { token: `${t.user.token}x` }); // a failed auth
      const text = lines.join("\n");
      for (const secret of [t.user.token, t.taskToken, ADMIN, "REASON-do-not-log-4711", "secret-branch-name"])
        expect(text).not.toContain(secret);
      const json = lines.filter((l) => l.startsWith("{")).map((l) => JSON.parse(l));
      expect(json.length).toBeGreaterThanOrEqual(4);
      for (const l of json) {
        expect(l).toMatchObject({ level: expect.any(String), event: expect.any(String), ts: expect.any(String) });
        if (l.event.startsWith("api.") || l.event.startsWith("gate.")) expect(l.request_id).toMatch(/^[0-9A-Z]{26}$/);
      }
      expect(json.filter((l) => l.event === "gate.decision").map((l) => l.outcome)).toEqual(["require_approval", "deny"]);
    } finally {
      for (const s of spies) s.mockRestore();
    }
  });
});
