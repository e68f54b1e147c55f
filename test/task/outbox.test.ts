import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { POISON_ATTEMPTS } from "../../src/task/outbox";
import type { TaskDO } from "../../src/task/TaskDO";
import { call, createUser, onboardRepo, runningTask, submit } from "../helpers/api";
import { slackTask } from "../helpers/dispatch";
import { linkSlackUser, uniqueSlackUser } from "../helpers/slack";

/** A D1 handle whose writes fail, standing in for a D1 outage. */
const brokenDb = (): D1Database =>
  new Proxy(env.DB, {
    get(target, prop) {
      if (prop === "batch") return () => Promise.reject(new Error("D1_ERROR: simulated outage"));
      return Reflect.get(target, prop);
    },
  });

/** A queue whose sends fail, standing in for a Queues outage; records what it was asked to send. */
function brokenQueue(): Queue<any> & { tried: number } {
  const q = {
    tried: 0,
    send: () => Promise.reject(new Error("queue send failed: simulated outage")),
    sendBatch: () => {
      q.tried++;
      return Promise.reject(new Error("queue send failed: simulated outage"));
    },
  };
  return q as unknown as Queue<any> & { tried: number };
}

const row = (id: string) =>
  env.DB.prepare("SELECT status, version FROM tasks WHERE id = ?").bind(id).first<{ status: string; version: number }>();

describe("transactional outbox", () => {
  it("keeps a state change made during a D1 outage and delivers it when D1 recovers", async () => {
    const user = await createUser();
    await linkSlackUser(uniqueSlackUser(), user.user_id); // so each change also queues an App Home message
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
    // Backed off (1 s), not at once: the App Home message queued behind the failed records must not
    // pull the alarm forward into a hot retry loop.
    expect(alarm! - Date.now()).toBeGreaterThan(500);

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
    const events = await env.DB.prepare("SELECT event_type FROM task_events WHERE task_id = ? ORDER BY event_id")
      .bind(task.task_id)
      .all<{ event_type: string }>();
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

  it("keeps dispatch messages through a queue outage, and sends them after their D1 records when it recovers", async () => {
    const task = await slackTask({ live: true }); // Slack-origin: its events go to the DISPATCH queue
    const stub = env.TASKS.get(env.TASKS.idFromName(task.task_id));
    const sent: unknown[] = [];
    const queue = brokenQueue();
    await runInDurableObject(stub, (inst) => {
      (inst as TaskDO).targets = { ...(inst as TaskDO).targets, queue };
    });
    const cancelled = await stub.cancel({ kind: "user", user_id: task.user_id });
    expect(cancelled.ok && cancelled.data.status).toBe("CANCELLED");
    expect(queue.tried).toBe(1);
    // The D1 record went out (it precedes the message); the message waits in the outbox.
    expect((await row(task.task_id))?.status).toBe("CANCELLED");
    expect(await stub.outboxPending()).toBeGreaterThan(0);
    expect(await runDurableObjectAlarm(stub)).toBe(true); // still down
    expect(queue.tried).toBe(2);
    expect(await stub.outboxPending()).toBeGreaterThan(0);

    await runInDurableObject(stub, (inst) => {
      const recording = {
        send: async () => {},
        sendBatch: async (msgs: Array<{ body: unknown }>) => void sent.push(...msgs.map((m) => m.body)),
      };
      (inst as TaskDO).targets = { ...(inst as TaskDO).targets, queue: recording as unknown as Queue<any> };
    });
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect(await stub.outboxPending()).toBe(0);
    expect(sent.map((m: any) => `${m.event.event_type} -> ${m.channel}`).sort()).toEqual([
      "task_cancelled -> github",
      "task_cancelled -> home",
      "task_cancelled -> slack",
    ]);
  });

  it("an alarm handler that throws re-arms itself with backoff, and the work lands once the cause is gone", async () => {
    const t = await runningTask();
    const g = await call("POST", `/v1/tasks/${t.taskId}/gate`, {
      token: t.taskToken,
      body: { tool_name: "Bash", tool_input: { command: "git push -f origin x" } },
    });
    const rid = g.body.data.request_id;
    const stub = env.TASKS.get(env.TASKS.idFromName(t.taskId));
    // A corrupt approval row makes the deadline check throw.
    const good = await runInDurableObject(stub, (_i, state) => {
      const body = state.storage.sql.exec<{ body: string }>("SELECT body FROM approvals WHERE request_id = ?", rid).one().body;
      state.storage.sql.exec("UPDATE approvals SET body = '{not json', deadline = ? WHERE request_id = ?", Date.now() - 1, rid);
      return body;
    });
    for (const expectedFailures of [1, 2]) {
      const before = Date.now();
      expect(await runDurableObjectAlarm(stub)).toBe(true);
      const { alarm, failures } = await runInDurableObject(stub, async (_i, state) => ({
        alarm: await state.storage.getAlarm(),
        failures: state.storage.sql.exec<{ value: string }>("SELECT value FROM kv WHERE key = 'alarm_failures'").one().value,
      }));
      expect(Number(failures)).toBe(expectedFailures);
      expect(alarm! - before).toBeGreaterThanOrEqual(500 * 2 ** expectedFailures - 50); // backoff grows
    }
    // Repaired: the next alarm times the approval out (fail closed) and clears the failure count.
    await runInDurableObject(stub, (_i, state) => {
      state.storage.sql.exec("UPDATE approvals SET body = ? WHERE request_id = ?", good, rid);
    });
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    const answer = await call("GET", `/v1/tasks/${t.taskId}/approvals/${rid}`, { token: t.taskToken });
    expect(answer.body.data).toMatchObject({ outcome: "deny", status: "TIMED_OUT" });
    const left = await runInDurableObject(
      stub,
      (_i, state) => state.storage.sql.exec("SELECT 1 FROM kv WHERE key = 'alarm_failures'").toArray().length,
    );
    expect(left).toBe(0);
  });

  it("sets aside a record D1 refuses while it answers everything else, and delivers the rest in order", async () => {
    const user = await createUser();
    const task = await submit(user.token, { repo: await onboardRepo(), description: "poison" });
    const stub = env.TASKS.get(env.TASKS.idFromName(task.task_id));
    // A record D1 will never take (NOT NULL columns), queued ahead of a real state change.
    await runInDurableObject(stub, (_i, state) => {
      const poison = {
        op: "approval",
        approval: { request_id: "poison-1", task_id: task.task_id, tool_name: null, matching_rule_ids: [], version: 1 },
      };
      state.storage.sql.exec("INSERT INTO outbox (kind, body, next_at) VALUES ('d1', ?, ?)", JSON.stringify(poison), Date.now());
    });
    await stub.cancel({ kind: "user", user_id: user.user_id });
    expect((await row(task.task_id))?.status).toBe("SUBMITTED"); // blocked behind the poison row
    for (let i = 1; i < POISON_ATTEMPTS - 1; i++) await runDurableObjectAlarm(stub);
    expect((await row(task.task_id))?.status).toBe("SUBMITTED"); // still retrying as a whole
    await runDurableObjectAlarm(stub);
    expect(await stub.outboxPending()).toBe(0);
    expect((await row(task.task_id))?.status).toBe("CANCELLED");
    const aside = await stub.outboxSetAside();
    expect(aside).toHaveLength(1);
    expect(JSON.parse(aside[0].body).approval.request_id).toBe("poison-1");
    expect(aside[0].error).toMatch(/NOT NULL/);
  });
});
