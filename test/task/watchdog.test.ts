import { createScheduledController, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import worker from "../../src/index";
import { reconcile } from "../../src/task/reconciler";
import type { TaskDO } from "../../src/task/TaskDO";
import { call, createUser, onboardRepo, runningTask, submit, untilParked } from "../helpers/api";

const stub = (id: string) => env.TASKS.get(env.TASKS.idFromName(id));

/**
 * Age the task's clock in its DO by `ms` (its heartbeat and last change), then run the alarm
 * handler, or (`loseAlarm`) delete the alarm instead: the case the cron reconciler exists for.
 */
async function ageAndAlarm(taskId: string, ms: number, then: "alarm" | "loseAlarm" = "alarm") {
  await runInDurableObject(stub(taskId), async (inst, state) => {
    const row = state.storage.sql.exec<{ value: string }>("SELECT value FROM kv WHERE key = 'task'").one();
    const s = JSON.parse(row.value);
    const old = (v: string | null) => (v ? new Date(Date.parse(v) - ms).toISOString() : v);
    Object.assign(s, { updated_at: old(s.updated_at), started_at: old(s.started_at), last_heartbeat_at: old(s.last_heartbeat_at) });
    state.storage.sql.exec("UPDATE kv SET value = ? WHERE key = 'task'", JSON.stringify(s));
    if (then === "alarm") await (inst as TaskDO).alarm();
    else await state.storage.deleteAlarm();
  });
}

describe("stranded-task watchdog (the task's own alarm)", () => {
  it("arms the alarm for the heartbeat deadline of a running task", async () => {
    const t = await runningTask();
    const alarm = await runInDurableObject(stub(t.taskId), (_i, state) => state.storage.getAlarm());
    expect(alarm).not.toBeNull();
    expect(alarm! - Date.now()).toBeGreaterThan(250_000);
    expect(alarm! - Date.now()).toBeLessThanOrEqual(300_000);
  });

  it("leaves a task with fresh heartbeats alone", async () => {
    const t = await runningTask();
    await ageAndAlarm(t.taskId, 60_000);
    expect((await call("GET", `/v1/tasks/${t.taskId}`, { token: t.user.token })).body.data.status).toBe("RUNNING");
  });

  it("fails a task whose runner went silent, and strands its pending approval (fail closed)", async () => {
    const t = await runningTask();
    const g = await call("POST", `/v1/tasks/${t.taskId}/gate`, {
      token: t.taskToken,
      body: { tool_name: "Bash", tool_input: { command: "git push -f origin x" } },
    });
    const waiting = call("GET", `/v1/tasks/${t.taskId}/approvals/${g.body.data.request_id}?wait=10`, { token: t.taskToken });
    await untilParked(t.taskId, g.body.data.request_id);
    await ageAndAlarm(t.taskId, 301_000);
    expect((await waiting).body.data).toMatchObject({ outcome: "deny", status: "STRANDED" });
    const task = (await call("GET", `/v1/tasks/${t.taskId}`, { token: t.user.token })).body.data;
    expect(task).toMatchObject({ status: "FAILED", awaiting_approval_request_id: null });
    expect(task.error_message).toMatch(/no heartbeat from the runner/);
    const types = (await call("GET", `/v1/tasks/${t.taskId}/events`, { token: t.user.token })).body.data.events.map(
      (e: any) => e.event_type,
    );
    expect(types.slice(-3)).toEqual(["approval_stranded", "task_stranded", "task_failed"]);
    const row = await env.DB.prepare("SELECT status FROM approvals WHERE request_id = ?").bind(g.body.data.request_id).first<any>();
    expect(row.status).toBe("STRANDED");
  });

  it("fails a task no runner picked up within STRANDED_TIMEOUT_S", async () => {
    const user = await createUser();
    const task = await submit(user.token, { repo: await onboardRepo(), description: "nobody home" });
    await ageAndAlarm(task.task_id, 1_201_000);
    const t = (await call("GET", `/v1/tasks/${task.task_id}`, { token: user.token })).body.data;
    expect(t.status).toBe("FAILED");
    expect(t.error_message).toMatch(/no runner started it/);
  });
});

/** The D1 record of a task, aged by `ms`, as if its DO had said nothing for that long. */
async function ageRecord(taskId: string, ms: number) {
  const old = new Date(Date.now() - ms).toISOString();
  await env.DB.prepare("UPDATE tasks SET updated_at = ?2, started_at = ?2, last_heartbeat_at = ?2 WHERE id = ?1").bind(taskId, old).run();
}

const statusOf = async (t: { taskId: string; user: { token: string } }) =>
  (await call("GET", `/v1/tasks/${t.taskId}`, { token: t.user.token })).body.data.status;

describe("cron reconciler (safety net for lost alarms)", () => {
  it("strands a silent task whose alarm was lost; the cron handler runs it", async () => {
    const t = await runningTask();
    await ageAndAlarm(t.taskId, 400_000, "loseAlarm");
    await ageRecord(t.taskId, 400_000);
    await worker.scheduled(createScheduledController({ scheduledTime: Date.now(), cron: "*/5 * * * *" }), env);
    expect(await statusOf(t)).toBe("FAILED");
    const types = (await call("GET", `/v1/tasks/${t.taskId}/events`, { token: t.user.token })).body.data.events.map(
      (e: any) => e.event_type,
    );
    expect(types).toEqual(expect.arrayContaining(["task_stranded", "task_failed"]));
  });

  it("leaves a task alone when only its D1 record looks old: the DO decides", async () => {
    const t = await runningTask();
    await ageRecord(t.taskId, 400_000); // D1 lagging (e.g. outbox retrying), the DO has a fresh heartbeat
    const r = await reconcile(env, Date.now());
    expect(r.checked).toBeGreaterThanOrEqual(1);
    expect(await statusOf(t)).toBe("RUNNING");
    // and re-arms the lost alarm
    const alarm = await runInDurableObject(stub(t.taskId), (_i, state) => state.storage.getAlarm());
    expect(alarm).not.toBeNull();
  });

  it("times out an approval whose deadline passed while its alarm was lost (fail closed)", async () => {
    const t = await runningTask();
    const g = await call("POST", `/v1/tasks/${t.taskId}/gate`, {
      token: t.taskToken,
      body: { tool_name: "Bash", tool_input: { command: "git push -f origin x" } },
    });
    const rid = g.body.data.request_id;
    await runInDurableObject(stub(t.taskId), async (_inst, state) => {
      state.storage.sql.exec("UPDATE approvals SET deadline = ? WHERE status = 'PENDING'", Date.now() - 120_000);
      await state.storage.deleteAlarm();
    });
    await env.DB.prepare("UPDATE approvals SET expires_at = ? WHERE request_id = ?")
      .bind(new Date(Date.now() - 120_000).toISOString(), rid)
      .run();
    await reconcile(env, Date.now());
    const answer = await call("GET", `/v1/tasks/${t.taskId}/approvals/${rid}`, { token: t.taskToken });
    expect(answer.body.data).toMatchObject({ outcome: "deny", status: "TIMED_OUT" });
    expect(await statusOf(t)).toBe("RUNNING");
  });

  it("writes heartbeats to D1 at most once a minute, so the scan sees live runners", async () => {
    const t = await runningTask();
    const hb = () => call("POST", `/v1/tasks/${t.taskId}/heartbeat`, { token: t.taskToken });
    expect((await hb()).status).toBe(200);
    const first = await env.DB.prepare("SELECT last_heartbeat_at FROM tasks WHERE id = ?")
      .bind(t.taskId)
      .first<{ last_heartbeat_at: string }>();
    await new Promise((r) => setTimeout(r, 20));
    expect((await hb()).status).toBe(200);
    const second = await env.DB.prepare("SELECT last_heartbeat_at FROM tasks WHERE id = ?")
      .bind(t.taskId)
      .first<{ last_heartbeat_at: string }>();
    expect(second!.last_heartbeat_at).toBe(first!.last_heartbeat_at);
    const inDo = (await call("GET", `/v1/tasks/${t.taskId}`, { token: t.user.token })).body.data.last_heartbeat_at;
    expect(Date.parse(inDo)).toBeGreaterThan(Date.parse(first!.last_heartbeat_at));
  });

  it("prunes expired link codes, old dedup rows and rate counters, and keeps live ones", async () => {
    const now = Date.now();
    await env.DB.batch([
      env.DB.prepare(
        "INSERT INTO slack_link_codes (code, slack_team_id, slack_user_id, expires_at, created_at) VALUES ('OLDCOD', 'T', 'U', ?, '')",
      ).bind(now - 1),
      env.DB.prepare(
        "INSERT INTO slack_link_codes (code, slack_team_id, slack_user_id, expires_at, created_at) VALUES ('NEWCOD', 'T', 'U', ?, '')",
      ).bind(now + 600_000),
      env.DB.prepare("INSERT INTO slack_event_dedup (event_key, received_at) VALUES ('old-ev', ?)").bind(now - 2 * 3_600_000),
      env.DB.prepare("INSERT INTO slack_event_dedup (event_key, received_at) VALUES ('new-ev', ?)").bind(now - 60_000),
      env.DB.prepare("INSERT INTO rate_counters (bucket, window, count) VALUES ('decide#old', ?, 3)").bind(Math.floor(now / 60_000) - 10),
    ]);
    const r = await reconcile(env, now);
    expect(r.codes).toBeGreaterThanOrEqual(1);
    expect(r.dedup).toBeGreaterThanOrEqual(1);
    expect(r.rate_counters).toBeGreaterThanOrEqual(1);
    const left = async (sql: string) => (await env.DB.prepare(sql).all()).results.length;
    expect(await left("SELECT 1 FROM slack_link_codes WHERE code IN ('OLDCOD')")).toBe(0);
    expect(await left("SELECT 1 FROM slack_link_codes WHERE code IN ('NEWCOD')")).toBe(1);
    expect(await left("SELECT 1 FROM slack_event_dedup WHERE event_key = 'old-ev'")).toBe(0);
    expect(await left("SELECT 1 FROM slack_event_dedup WHERE event_key = 'new-ev'")).toBe(1);
    expect(await left("SELECT 1 FROM rate_counters WHERE bucket = 'decide#old'")).toBe(0);
  });
});
