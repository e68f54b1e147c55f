import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { TaskDO } from "../../src/task/TaskDO";
import { createUser, onboardRepo, submit } from "../helpers/api";

/** A D1 handle whose writes fail, standing in for a D1 outage. */
const brokenDb = (): D1Database =>
  new Proxy(env.DB, {
    get(target, prop) {
      if (prop === "batch") return () => Promise.reject(new Error("D1_ERROR: simulated outage"));
      return Reflect.get(target, prop);
    },
  });

const row = (id: string) => env.DB.prepare("SELECT status, version FROM tasks WHERE id = ?").bind(id).first<{ status: string; version: number }>();

describe("transactional outbox", () => {
  it("keeps a state change made during a D1 outage and delivers it when D1 recovers", async () => {
    const user = await createUser();
    const task = await submit(user.token, { repo: await onboardRepo(), description: "outage" });
    const stub = env.TASKS.get(env.TASKS.idFromName(task.task_id));
    expect((await row(task.task_id))?.status).toBe("SUBMITTED");

    await runInDurableObject(stub, (inst) => {
      (inst as TaskDO).targets = { ...(inst as TaskDO).targets, db: brokenDb() };
    });
    const cancelled = await stub.cancel({ kind: "user", user_id: user.user_id });
    // The decision stands even though D1 refused the write.
    expect(cancelled.ok && cancelled.data.status).toBe("CANCELLED");
    expect((await row(task.task_id))?.status).toBe("SUBMITTED");
    expect(await stub.outboxPending()).toBeGreaterThan(0);
    const alarm = await runInDurableObject(stub, (_i, state) => state.storage.getAlarm());
    expect(alarm).not.toBeNull();

    // Still down: the alarm retries, fails, re-arms, and loses nothing.
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect(await stub.outboxPending()).toBeGreaterThan(0);
    expect(await runInDurableObject(stub, (_i, state) => state.storage.getAlarm())).not.toBeNull();

    // D1 recovers: the next alarm drains everything, in order.
    await runInDurableObject(stub, (inst) => {
      (inst as TaskDO).targets = { ...(inst as TaskDO).targets, db: env.DB };
    });
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect(await stub.outboxPending()).toBe(0);
    expect((await row(task.task_id))?.status).toBe("CANCELLED");
    const events = await env.DB.prepare("SELECT event_type FROM task_events WHERE task_id = ? ORDER BY event_id").bind(task.task_id).all<{ event_type: string }>();
    expect(events.results.map((e) => e.event_type)).toEqual(["task_created", "task_cancelled"]);
    expect(await runInDurableObject(stub, (_i, state) => state.storage.getAlarm())).toBeNull();
  });

  it("never lets an older record overwrite a newer one in D1", async () => {
    const user = await createUser();
    const task = await submit(user.token, { repo: await onboardRepo(), description: "versions" });
    const stub = env.TASKS.get(env.TASKS.idFromName(task.task_id));
    await stub.cancel({ kind: "user", user_id: user.user_id });
    const { statementFor } = await import("../../src/store/records");
    // Replay the creation record (version 1) after the cancel (version 2): no effect.
    await statementFor(env.DB, { op: "task", task: { ...task, version: 1 } }).run();
    expect(await row(task.task_id)).toEqual({ status: "CANCELLED", version: 2 });
  });
});
