import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { TaskDO } from "../../src/task/TaskDO";
import { call, createUser, onboardRepo, runningTask, submit } from "../helpers/api";

const stub = (id: string) => env.TASKS.get(env.TASKS.idFromName(id));

/** Age the task's clock by `ms` (its heartbeat and last change), then run the alarm handler. */
async function ageAndAlarm(taskId: string, ms: number) {
  await runInDurableObject(stub(taskId), async (inst, state) => {
    const row = state.storage.sql.exec<{ value: string }>("SELECT value FROM kv WHERE key = 'task'").one();
    const s = JSON.parse(row.value);
    const old = (v: string | null) => (v ? new Date(Date.parse(v) - ms).toISOString() : v);
    Object.assign(s, { updated_at: old(s.updated_at), started_at: old(s.started_at), last_heartbeat_at: old(s.last_heartbeat_at) });
    state.storage.sql.exec("UPDATE kv SET value = ? WHERE key = 'task'", JSON.stringify(s));
    await (inst as TaskDO).alarm();
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
    const g = await call("POST", `/v1/tasks/${t.taskId}/gate`, { token: t.taskToken, body: { tool_name: "Bash", tool_input: { command: "git push -f origin x" } } });
    const waiting = call("GET", `/v1/tasks/${t.taskId}/approvals/${g.body.data.request_id}?wait=10`, { token: t.taskToken });
    await new Promise((r) => setTimeout(r, 50));
    await ageAndAlarm(t.taskId, 301_000);
    expect((await waiting).body.data).toMatchObject({ outcome: "deny", status: "STRANDED" });
    const task = (await call("GET", `/v1/tasks/${t.taskId}`, { token: t.user.token })).body.data;
    expect(task).toMatchObject({ status: "FAILED", awaiting_approval_request_id: null });
    expect(task.error_message).toMatch(/no heartbeat from the runner/);
    const types = (await call("GET", `/v1/tasks/${t.taskId}/events`, { token: t.user.token })).body.data.events.map((e: any) => e.event_type);
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
