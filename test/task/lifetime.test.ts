/** A task's lifetime over the real worker: set at submit, capped by the repo, enforced by the task's DO. */
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { approvalCard, requestedOf } from "../../src/slack/blocks/approvalCard";
import { approvalWithInput } from "../../src/store/approvals";
import type { TaskDO } from "../../src/task/TaskDO";
import { call, claimTask, createUser, onboardRepo, runningTask, submit } from "../helpers/api";
import { slackTask } from "../helpers/dispatch";
import { installFakeApis } from "../helpers/fakeFetch";

afterEach(() => vi.restoreAllMocks());

const stubOf = (taskId: string) => env.TASKS.get(env.TASKS.idFromName(taskId));
const forcePush = (taskId: string, token: string) =>
  call("POST", `/v1/tasks/${taskId}/gate`, { token, body: { tool_name: "Bash", tool_input: { command: "git push -f origin main" } } });
const status = async (taskId: string, token: string) => (await call("GET", `/v1/tasks/${taskId}`, { token })).body.data;

/** Age the task so its lifetime ended a second ago, then let its alarm run (as if the time had passed). */
async function outlive(taskId: string, alarm = true) {
  await runInDurableObject(stubOf(taskId), async (inst, state) => {
    const row = state.storage.sql.exec<{ value: string }>("SELECT value FROM kv WHERE key = 'task'").one();
    const t = JSON.parse(row.value);
    t.created_at = new Date(Date.now() - (t.max_lifetime_s + 1) * 1000).toISOString();
    state.storage.sql.exec("UPDATE kv SET value = ? WHERE key = 'task'", JSON.stringify(t));
    if (alarm) await (inst as TaskDO).alarm();
  });
}

describe("max_lifetime_s at submit", () => {
  it("defaults to 8 h, capped by the repo's max_task_lifetime_s", async () => {
    const user = await createUser();
    expect((await submit(user.token, { repo: await onboardRepo(), description: "d" })).max_lifetime_s).toBe(28_800);
    const short = await onboardRepo(undefined, { max_task_lifetime_s: 3600 });
    expect((await submit(user.token, { repo: short, description: "d" })).max_lifetime_s).toBe(3600);
    expect((await submit(user.token, { repo: short, description: "d", max_lifetime_s: 600 })).max_lifetime_s).toBe(600);
  });

  it.each([
    ["above the repo's cap", 3601, "max_lifetime_s: this repo allows at most 3600s"],
    ["below the minimum", 9, "max_lifetime_s"],
    ["above a week", 604_801, "max_lifetime_s"],
    ["not an integer", 60.5, "max_lifetime_s"],
    ["not a number", "1h", "max_lifetime_s"],
  ])("refuses a lifetime %s with 400 and the envelope", async (_name, value, message) => {
    const user = await createUser();
    const repo = await onboardRepo(undefined, { max_task_lifetime_s: 3600 });
    const r = await call("POST", "/v1/tasks", { token: user.token, body: { repo, description: "d", max_lifetime_s: value } });
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe("VALIDATION_ERROR");
    expect(r.body.error.message).toContain(message);
  });

  it("refuses a repo cap outside 10 s .. 7 days", async () => {
    for (const cap of [5, 700_000, "8h"]) {
      const r = await call("PUT", "/v1/repos/acme/lifetime-cap", { token: "test-admin-token", body: { max_task_lifetime_s: cap } });
      expect(r.status).toBe(400);
    }
  });
});

describe("a task past its lifetime", () => {
  it("ends TIMED_OUT by its alarm: the pending approval closes, the runner's token stops working, Slack and GitHub hear of it", async () => {
    const fake = installFakeApis();
    const t = await slackTask({ live: true });
    const token = await claimTask(t.task_id);
    expect((await call("POST", `/v1/tasks/${t.task_id}/events`, { token, body: { type: "session_started" } })).status).toBe(202);
    const g = await forcePush(t.task_id, token);
    expect(g.body.data.outcome).toBe("require_approval");
    const rid = g.body.data.request_id;
    // The card is up before the lifetime ends.
    await vi.waitFor(() => expect(JSON.stringify(fake.slackCalls("chat.postMessage"))).toContain(rid), { timeout: 10_000 });

    await outlive(t.task_id);
    const s = await stubOf(t.task_id).get({ kind: "admin" });
    expect(s.ok && s.data).toMatchObject({ status: "TIMED_OUT", awaiting_approval_request_id: null });
    expect(s.ok && s.data.error_message).toContain("max lifetime of 28800s");

    // The agent's long-poll reads the final answer: a deny.
    const answer = await call("GET", `/v1/tasks/${t.task_id}/approvals/${rid}`, { token });
    expect(answer.body.data).toMatchObject({ status: "TIMED_OUT", outcome: "deny" });
    // The runner learns it as it learns of a cancel: its heartbeat is refused, so it kills the agent.
    const hb = await call("POST", `/v1/tasks/${t.task_id}/heartbeat`, { token });
    expect([hb.status, hb.body.error.code]).toEqual([401, "TASK_TIMED_OUT"]);
    expect((await forcePush(t.task_id, token)).status).toBe(401);

    // Slack: the card edited like any other close, and the outcome in the thread; GitHub: the task's comment.
    await vi.waitFor(
      () => {
        expect(JSON.stringify(fake.slackCalls("chat.update"))).toContain("Expired — denied (fail closed)");
        expect(JSON.stringify(fake.slackCalls("chat.postMessage"))).toContain("Task timed out");
        expect(fake.githubCalls().length).toBeGreaterThan(0);
      },
      { timeout: 15_000, interval: 100 },
    );
    const events = (await call("GET", `/v1/tasks/${t.task_id}/events`, { token: "test-admin-token" })).body.data;
    const types = events.events.map((e: { event_type: string }) => e.event_type);
    expect(types.slice(-2)).toEqual(["approval_timed_out", "task_timed_out"]);
  });

  it("ends TIMED_OUT at the runner's next heartbeat even if the alarm has not run", async () => {
    const t = await runningTask();
    await outlive(t.taskId, false);
    const hb = await call("POST", `/v1/tasks/${t.taskId}/heartbeat`, { token: t.taskToken });
    expect([hb.status, hb.body.error.code]).toEqual([401, "TASK_TIMED_OUT"]);
    expect((await status(t.taskId, t.user.token)).status).toBe("TIMED_OUT");
  });

  it("denies the agent's next gate call and ends the task, even if the alarm has not run", async () => {
    const t = await runningTask();
    await outlive(t.taskId, false);
    const g = await call("POST", `/v1/tasks/${t.taskId}/gate`, {
      token: t.taskToken,
      body: { tool_name: "Read", tool_input: { file_path: "README.md" } },
    });
    expect(g.body.data.outcome).toBe("deny");
    expect(g.body.data.reason).toContain("max lifetime");
    expect((await status(t.taskId, t.user.token)).status).toBe("TIMED_OUT");
  });

  it("is never handed to a runner: a claim ends it instead", async () => {
    const user = await createUser();
    const task = await submit(user.token, { repo: await onboardRepo(), description: "nobody came", max_lifetime_s: 60 });
    await outlive(task.task_id, false);
    const r = await stubOf(task.task_id).claim("runner-x");
    expect(r.ok && r.data).toBeNull();
    expect((await status(task.task_id, user.token)).status).toBe("TIMED_OUT");
  });
});

describe("approval windows within the lifetime", () => {
  it("clips the window to the lifetime left minus 2 minutes, and the card says so", async () => {
    const t = await runningTask({}, { max_lifetime_s: 300 });
    const g = await forcePush(t.taskId, t.taskToken);
    expect(g.body.data.outcome).toBe("require_approval");
    // 300 s of life, 2 minutes kept back: about 180 s instead of the usual 300.
    expect(g.body.data.timeout_s).toBeGreaterThanOrEqual(178);
    expect(g.body.data.timeout_s).toBeLessThanOrEqual(180);
    const task = await status(t.taskId, t.user.token);
    const endsAt = new Date(Date.parse(task.created_at) + 300_000).toISOString();
    await vi.waitFor(async () => expect(await approvalWithInput(env.DB, g.body.data.request_id)).not.toBeNull());
    const a = (await approvalWithInput(env.DB, g.body.data.request_id))!;
    expect(a.lifetime_ends_at).toBe(endsAt);
    const card = JSON.stringify(approvalCard(task, requestedOf(a), ["medium"]).blocks);
    expect(card).toContain(`Window clipped to ${Math.floor(a.timeout_s / 60)}m ${a.timeout_s % 60}s`.replace(/ 0s$/, ""));
    expect(card).toContain(`the task's lifetime ends at ${endsAt.slice(11, 16)} UTC`);
  });

  it("leaves a window that fits alone, and its card has no clip line", async () => {
    const t = await runningTask();
    const g = await forcePush(t.taskId, t.taskToken);
    expect(g.body.data.timeout_s).toBe(300);
    await vi.waitFor(async () => expect(await approvalWithInput(env.DB, g.body.data.request_id)).not.toBeNull());
    const a = (await approvalWithInput(env.DB, g.body.data.request_id))!;
    expect(a.lifetime_ends_at).toBeNull();
    expect(JSON.stringify(approvalCard(await status(t.taskId, t.user.token), requestedOf(a), ["medium"]).blocks)).not.toContain("clipped");
  });

  it("denies a call that would need a human when the lifetime ends too soon for one", async () => {
    const t = await runningTask({}, { max_lifetime_s: 140 });
    const g = await forcePush(t.taskId, t.taskToken);
    expect(g.body.data.outcome).toBe("deny");
    expect(g.body.data.reason).toContain("too soon for a human to decide");
    expect((await status(t.taskId, t.user.token)).status).toBe("RUNNING");
  });
});
