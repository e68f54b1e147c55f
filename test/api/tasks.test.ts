import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { ADMIN, call, claimTask, createRunner, createUser, onboardRepo, runningTask, submit } from "../helpers/api";

describe("task lifecycle over the REST API", () => {
  it("goes SUBMITTED -> HYDRATING -> RUNNING -> COMPLETED and records every step", async () => {
    const user = await createUser();
    const repo = await onboardRepo();
    const task = await submit(user.token, { repo, description: "fix the flaky test", issue_number: 42 });
    expect(task.status).toBe("SUBMITTED");
    expect(task.issue_number).toBe(42);

    const token = await claimTask(task.task_id);
    expect(token).toMatch(new RegExp(`^bgt_${task.task_id}_`));
    expect((await call("GET", `/v1/tasks/${task.task_id}`, { token: user.token })).body.data.status).toBe("HYDRATING");

    expect((await call("POST", `/v1/tasks/${task.task_id}/events`, { token, body: { type: "session_started" } })).status).toBe(202);
    const hb = await call("POST", `/v1/tasks/${task.task_id}/heartbeat`, { token });
    expect(hb.body.data).toEqual({ status: "RUNNING", cancel_requested: false, denials: [] });
    await call("POST", `/v1/tasks/${task.task_id}/events`, {
      token,
      body: { type: "pr_created", metadata: { pr_url: `https://github.com/${repo}/pull/7` } },
    });

    const done = await call("POST", `/v1/tasks/${task.task_id}/finish`, { token, body: { status: "COMPLETED", cost_usd: 0.42 } });
    expect(done.status).toBe(200);
    expect(done.body.data.status).toBe("COMPLETED");
    expect(done.body.data.pr_url).toBe(`https://github.com/${repo}/pull/7`);
    expect(JSON.stringify(done.body.data)).not.toMatch(/token/);

    const events = await call("GET", `/v1/tasks/${task.task_id}/events`, { token: user.token });
    expect(events.body.data.events.map((e: any) => e.event_type)).toEqual([
      "task_created",
      "hydration_started",
      "session_started",
      "pr_created",
      "task_completed",
    ]);
    const row = await env.DB.prepare("SELECT status, cost_usd, version FROM tasks WHERE id = ?").bind(task.task_id).first<any>();
    expect(row).toMatchObject({ status: "COMPLETED", cost_usd: 0.42 });
  });

  it("rejects illegal transitions with 409 and a clear message", async () => {
    const user = await createUser();
    const task = await submit(user.token, { repo: await onboardRepo(), description: "x" });
    const token = await claimTask(task.task_id);
    // HYDRATING -> COMPLETED is not in the table
    const r = await call("POST", `/v1/tasks/${task.task_id}/finish`, { token, body: { status: "COMPLETED" } });
    expect(r.status).toBe(409);
    expect(r.body.error.code).toBe("INVALID_TRANSITION");
    expect(r.body.error.message).toContain("HYDRATING to COMPLETED");
    // a second session_started is also rejected
    await call("POST", `/v1/tasks/${task.task_id}/events`, { token, body: { type: "session_started" } });
    const again = await call("POST", `/v1/tasks/${task.task_id}/events`, { token, body: { type: "session_started" } });
    expect(again.status).toBe(409);
  });

  it("cancels: the runner learns on its next heartbeat, and finish afterwards is refused", async () => {
    const user = await createUser();
    const task = await submit(user.token, { repo: await onboardRepo(), description: "x" });
    const token = await claimTask(task.task_id);
    const c = await call("POST", `/v1/tasks/${task.task_id}/cancel`, { token: user.token });
    expect(c.body.data.status).toBe("CANCELLED");
    // the task token died with the task: the runner's heartbeat gets 401 TASK_CANCELLED and it kills the agent
    const hb = await call("POST", `/v1/tasks/${task.task_id}/heartbeat`, { token });
    expect(hb.status).toBe(401);
    expect(hb.body.error.code).toBe("TASK_CANCELLED");
    const fin = await call("POST", `/v1/tasks/${task.task_id}/finish`, { token, body: { status: "FAILED" } });
    expect(fin.status).toBe(401);
    expect((await call("POST", `/v1/tasks/${task.task_id}/cancel`, { token: user.token })).status).toBe(409);
  });

  it("hides other users' tasks behind 404 (no existence oracle)", async () => {
    const alice = await createUser();
    const bob = await createUser();
    const task = await submit(alice.token, { repo: await onboardRepo(), description: "x" });
    for (const [m, p] of [
      ["GET", ""],
      ["GET", "/events"],
      ["POST", "/cancel"],
    ] as const) {
      const r = await call(m, `/v1/tasks/${task.task_id}${p}`, { token: bob.token });
      expect(r.status).toBe(404);
      expect(r.body.error.code).toBe("TASK_NOT_FOUND");
    }
    const missing = await call("GET", `/v1/tasks/01JZZZZZZZZZZZZZZZZZZZZZZZ`, { token: bob.token });
    expect(missing.status).toBe(404);
    const list = await call("GET", "/v1/tasks", { token: bob.token });
    expect(list.body.data.tasks.find((t: any) => t.id === task.task_id)).toBeUndefined();
  });

  it("does not accept one task's token for another task", async () => {
    const user = await createUser();
    const repo = await onboardRepo();
    const a = await submit(user.token, { repo, description: "a" });
    const b = await submit(user.token, { repo, description: "b" });
    const tokenA = await claimTask(a.task_id);
    await claimTask(b.task_id);
    const r = await call("POST", `/v1/tasks/${b.task_id}/heartbeat`, { token: tokenA });
    expect(r.status).toBe(404);
  });

  it("lists the caller's tasks newest first, filtered by status, with a cursor", async () => {
    const user = await createUser();
    const repo = await onboardRepo();
    const ids = [];
    for (let i = 0; i < 3; i++) ids.push((await submit(user.token, { repo, description: `t${i}` })).task_id);
    await call("POST", `/v1/tasks/${ids[0]}/cancel`, { token: user.token });
    const page1 = await call("GET", "/v1/tasks?limit=2", { token: user.token });
    expect(page1.body.data.tasks.map((t: any) => t.id)).toEqual([ids[2], ids[1]]);
    const page2 = await call("GET", `/v1/tasks?limit=2&before=${page1.body.data.next_before}`, { token: user.token });
    expect(page2.body.data.tasks.map((t: any) => t.id)).toEqual([ids[0]]);
    const cancelled = await call("GET", "/v1/tasks?status=CANCELLED", { token: user.token });
    expect(cancelled.body.data.tasks.map((t: any) => t.id)).toEqual([ids[0]]);
    expect((await call("GET", "/v1/tasks?status=BOGUS", { token: user.token })).status).toBe(400);
  });
});

describe("runner claim", () => {
  it("hands each SUBMITTED task to exactly one of many competing runners", async () => {
    const user = await createUser();
    const repo = await onboardRepo();
    const task = await submit(user.token, { repo, description: "race me" });
    const stub = env.TASKS.get(env.TASKS.idFromName(task.task_id));
    const results = await Promise.all(Array.from({ length: 8 }, (_, i) => stub.claim(`runner-${i}`)));
    const winners = results.filter((r) => r.ok && r.data !== null);
    expect(winners).toHaveLength(1);
  });

  it("returns 204 when there is nothing to claim, and a task with its token when there is", async () => {
    const runner = await createRunner();
    // drain whatever earlier tests left SUBMITTED
    while ((await call("POST", "/v1/runner/claim", { token: runner.token })).status === 200);
    expect((await call("POST", "/v1/runner/claim", { token: runner.token })).status).toBe(204);
    const user = await createUser();
    const task = await submit(user.token, { repo: await onboardRepo(), description: "claim me" });
    const r = await call("POST", "/v1/runner/claim?wait=2", { token: runner.token });
    expect(r.status).toBe(200);
    expect(r.body.data.task.task_id).toBe(task.task_id);
    expect(r.body.data.task.runner_id).toBe(runner.runner_id);
    expect((await call("GET", `/v1/tasks/${task.task_id}`, { token: r.body.data.task_token })).body.data.status).toBe("HYDRATING");
  });

  it("is for runner tokens only", async () => {
    const user = await createUser();
    expect((await call("POST", "/v1/runner/claim", { token: user.token })).status).toBe(403);
    expect((await call("POST", "/v1/runner/claim?wait=99", { token: ADMIN })).status).toBe(403);
  });
});

describe("agent text on the runner routes", () => {
  it.each([
    ["another repo", (repo: string) => `https://github.com/acme/not-${repo.split("/")[1]}/pull/1`],
    ["another host", (repo: string) => `https://evil.example/${repo}/pull/1`],
    ["plain http", (repo: string) => `http://github.com/${repo}/pull/1`],
    ["a Slack broadcast", () => "<!channel>"],
    ["a query string", (repo: string) => `https://github.com/${repo}/pull/1?next=<!channel>`],
  ])("pr_created with a pr_url on %s: 400 with the envelope, nothing stored", async (_what, url) => {
    const t = await runningTask();
    const r = await call("POST", `/v1/tasks/${t.taskId}/events`, {
      token: t.taskToken,
      body: { type: "pr_created", metadata: { pr_url: url(t.repo) } },
    });
    expect(r.status).toBe(400);
    expect(r.body.error).toMatchObject({ code: "VALIDATION_ERROR" });
    expect(r.body.error.message).toContain(`an https URL of ${t.repo}`);
    const fin = await call("POST", `/v1/tasks/${t.taskId}/finish`, {
      token: t.taskToken,
      body: { status: "COMPLETED", pr_url: url(t.repo) },
    });
    expect(fin.status).toBe(400);
    expect(fin.body.error).toMatchObject({ code: "VALIDATION_ERROR" });
    const view = (await call("GET", `/v1/tasks/${t.taskId}`, { token: t.user.token })).body.data;
    expect(view).toMatchObject({ status: "RUNNING", pr_url: null });
    const types = (await call("GET", `/v1/tasks/${t.taskId}/events`, { token: t.user.token })).body.data.events.map(
      (e: any) => e.event_type,
    );
    expect(types).not.toContain("pr_created");
  });

  it("accepts the task's own PR URL on finish", async () => {
    const t = await runningTask();
    const fin = await call("POST", `/v1/tasks/${t.taskId}/finish`, {
      token: t.taskToken,
      body: { status: "COMPLETED", pr_url: `https://github.com/${t.repo}/pull/5` },
    });
    expect(fin.status).toBe(200);
    expect(fin.body.data.pr_url).toBe(`https://github.com/${t.repo}/pull/5`);
  });

  it("takes a gate_tampered event from the runner and then the FAILED finish", async () => {
    const t = await runningTask();
    const ev = await call("POST", `/v1/tasks/${t.taskId}/events`, {
      token: t.taskToken,
      body: { type: "gate_tampered", metadata: { file: "hook bundle" } },
    });
    expect(ev.status).toBe(202);
    const fin = await call("POST", `/v1/tasks/${t.taskId}/finish`, {
      token: t.taskToken,
      body: { status: "FAILED", error: "gate_tampered: the agent changed its gate" },
    });
    expect(fin.body.data).toMatchObject({ status: "FAILED", error_message: "gate_tampered: the agent changed its gate" });
  });
});
