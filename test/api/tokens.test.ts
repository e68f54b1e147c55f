/** Task tokens mean what they say: own task only, live tasks only, dead with their runner's revocation; runners limited to repos. */
import { describe, expect, it } from "vitest";
import { ADMIN, call, createUser, onboardRepo, runningTask, submit, unique } from "../helpers/api";

/** A runner limited to one fresh owner, so its claims see only this test's tasks (D1 is shared across tests). */
async function limitedRunner(globs: string[]): Promise<{ runner_id: string; token: string; repos: string[] }> {
  const r = await call("POST", "/v1/admin/runners", { token: ADMIN, body: { name: unique("runner"), repos: globs } });
  expect(r.status).toBe(201);
  return r.body.data;
}

const claim = (token: string, wait = 0) => call("POST", `/v1/runner/claim?wait=${wait}`, { token });

/** A task of a fresh owner claimed by a runner limited to that owner and started: its real runner_id is on it. */
async function claimedTask() {
  const owner = unique("own");
  const runner = await limitedRunner([`${owner}/*`]);
  const user = await createUser();
  const task = await submit(user.token, { repo: await onboardRepo(`${owner}/app`), description: "work" });
  const c = await claim(runner.token);
  expect(c.body.data.task.task_id).toBe(task.task_id);
  const taskToken = c.body.data.task_token as string;
  expect((await call("POST", `/v1/tasks/${task.task_id}/events`, { token: taskToken, body: { type: "session_started" } })).status).toBe(
    202,
  );
  return { runner, user, taskId: task.task_id as string, taskToken };
}

const gate = (taskId: string, token: string) =>
  call("POST", `/v1/tasks/${taskId}/gate`, { token, body: { tool_name: "Read", tool_input: { file_path: "README.md" } } });

describe("revoking a runner's tokens", () => {
  it("revokes the task tokens it claimed: the next gate call is denied with a reason, the heartbeat gets 401", async () => {
    const t = await claimedTask();
    expect((await gate(t.taskId, t.taskToken)).body.data.outcome).toBe("allow");
    const r = await call("DELETE", `/v1/admin/runners/${t.runner.runner_id}/tokens`, { token: ADMIN });
    expect(r.body.data).toEqual({ revoked: 1, tasks_revoked: 1 });

    const g = await gate(t.taskId, t.taskToken);
    expect(g.status).toBe(200);
    expect(g.body.data).toMatchObject({ outcome: "deny", reason: expect.stringContaining("token was revoked") });
    const hb = await call("POST", `/v1/tasks/${t.taskId}/heartbeat`, { token: t.taskToken });
    expect([hb.status, hb.body.error.code]).toEqual([401, "TOKEN_REVOKED"]);
    const ev = await call("POST", `/v1/tasks/${t.taskId}/events`, { token: t.taskToken, body: { type: "agent_milestone" } });
    expect(ev.status).toBe(401);
    // The task fails at once, and says why; the runner token itself is dead too.
    const task = (await call("GET", `/v1/tasks/${t.taskId}`, { token: t.user.token })).body.data;
    expect(task).toMatchObject({ status: "FAILED", error_message: expect.stringContaining("revoked") });
    expect((await claim(t.runner.token)).status).toBe(401);
  });

  it("closes a pending approval of the revoked task, and leaves other runners' tasks alone", async () => {
    const t = await claimedTask();
    const other = await claimedTask();
    const push = { tool_name: "Bash", tool_input: { command: "git push --force origin main" } };
    const rid = (await call("POST", `/v1/tasks/${t.taskId}/gate`, { token: t.taskToken, body: push })).body.data.request_id;
    expect(rid).toBeTruthy();
    await call("DELETE", `/v1/admin/runners/${t.runner.runner_id}/tokens`, { token: ADMIN });
    const decide = await call("POST", `/v1/tasks/${t.taskId}/approve`, { token: t.user.token, body: { request_id: rid } });
    expect(decide.status).toBe(409);
    // A revoked token reads nothing, not even its approvals.
    expect((await call("GET", `/v1/tasks/${t.taskId}/approvals/${rid}`, { token: t.taskToken })).status).toBe(401);
    expect((await gate(other.taskId, other.taskToken)).body.data.outcome).toBe("allow");
  });

  it("a claim long-polling across the revocation never hands out its task", async () => {
    const owner = unique("own");
    const runner = await limitedRunner([`${owner}/*`]);
    const user = await createUser();
    const repo = await onboardRepo(`${owner}/app`);
    const waiting = claim(runner.token, 5);
    await new Promise((r) => setTimeout(r, 300));
    await call("DELETE", `/v1/admin/runners/${runner.runner_id}/tokens`, { token: ADMIN });
    const task = await submit(user.token, { repo, description: "late" });
    const r = await waiting;
    expect(r.status).toBe(401);
    expect(r.body.error.code).toBe("UNAUTHORIZED");
    // The claim it made was undone: the task failed rather than sit with a token nobody can use.
    expect((await call("GET", `/v1/tasks/${task.task_id}`, { token: user.token })).body.data.status).toBe("FAILED");
  });
});

describe("task tokens are for their own live task", () => {
  it("refuses the token of a finished task on gate, heartbeat, events and reads (401)", async () => {
    const t = await runningTask();
    expect((await call("POST", `/v1/tasks/${t.taskId}/finish`, { token: t.taskToken, body: { status: "COMPLETED" } })).status).toBe(200);
    const g = await call("POST", `/v1/tasks/${t.taskId}/gate`, {
      token: t.taskToken,
      body: { tool_name: "Read", tool_input: { file_path: "a" } },
    });
    expect([g.status, g.body.error.code]).toEqual([401, "TASK_ENDED"]);
    for (const [method, path, body] of [
      ["POST", "heartbeat", undefined],
      ["POST", "events", { type: "agent_milestone" }],
      ["POST", "finish", { status: "FAILED" }],
      ["GET", "", undefined],
    ] as const) {
      const r = await call(method, `/v1/tasks/${t.taskId}${path ? `/${path}` : ""}`, { token: t.taskToken, body });
      expect(r.status, `${method} ${path}`).toBe(401);
      expect(r.body.error.message).toContain("COMPLETED");
    }
  });

  it("still lets an ended task's token read the final answer of its own approval (why it was denied)", async () => {
    const t = await runningTask();
    const push = { tool_name: "Bash", tool_input: { command: "git push --force origin main" } };
    const rid = (await call("POST", `/v1/tasks/${t.taskId}/gate`, { token: t.taskToken, body: push })).body.data.request_id;
    await call("POST", `/v1/tasks/${t.taskId}/cancel`, { token: t.user.token });
    const r = await call("GET", `/v1/tasks/${t.taskId}/approvals/${rid}`, { token: t.taskToken });
    expect(r.body.data).toMatchObject({ outcome: "deny", status: "CANCELLED" });
    expect((await call("POST", `/v1/tasks/${t.taskId}/heartbeat`, { token: t.taskToken })).status).toBe(401);
  });

  it("refuses a task token on another task's routes (404, no existence oracle)", async () => {
    const a = await runningTask();
    const b = await runningTask();
    const g = await call("POST", `/v1/tasks/${b.taskId}/gate`, {
      token: a.taskToken,
      body: { tool_name: "Read", tool_input: { file_path: "a" } },
    });
    expect(g.status).toBe(404);
    expect((await call("POST", `/v1/tasks/${b.taskId}/heartbeat`, { token: a.taskToken })).status).toBe(404);
    expect((await call("POST", `/v1/tasks/${b.taskId}/events`, { token: a.taskToken, body: { type: "agent_milestone" } })).status).toBe(
      404,
    );
    expect((await call("GET", `/v1/tasks/${b.taskId}`, { token: a.taskToken })).status).toBe(404);
  });
});

describe("runners limited to repos", () => {
  it("never receive a task outside their limits, even when it is the only one queued for them", async () => {
    const owner = unique("acme");
    const runner = await limitedRunner([`${owner}/*`]);
    expect(runner.repos).toEqual([`${owner}/*`.toLowerCase()]);
    const user = await createUser();
    const outside = await submit(user.token, { repo: await onboardRepo(`${unique("other")}/x`), description: "not yours" });
    // An owner that merely starts with the same letters is outside too.
    const lookalike = await submit(user.token, { repo: await onboardRepo(`${owner}-evil/x`), description: "not yours either" });
    expect((await claim(runner.token)).status).toBe(204);
    const inside = await submit(user.token, { repo: await onboardRepo(`${owner.toUpperCase()}/Web`), description: "yours" });
    const c = await claim(runner.token);
    expect(c.body.data.task.task_id).toBe(inside.task_id);
    for (const t of [outside, lookalike]) {
      expect((await call("GET", `/v1/tasks/${t.task_id}`, { token: user.token })).body.data.status).toBe("SUBMITTED");
    }
  });

  it("refuses malformed limits with the error envelope", async () => {
    for (const repos of [["acme"], ["acme/[a-z]*"], [], ["a/b/c"], "acme/*"]) {
      const r = await call("POST", "/v1/admin/runners", { token: ADMIN, body: { name: "r", repos } });
      expect(r.status, JSON.stringify(repos)).toBe(400);
      expect(r.body.error.code).toBe("VALIDATION_ERROR");
    }
    const u = await call("POST", "/v1/admin/users", { token: ADMIN, body: { name: "u", repos: ["acme/*"] } });
    expect(u.status).toBe(400);
  });
});

describe("approver rights at decision time", () => {
  it("an approver removed from the repo's blueprint can no longer decide, nor see the request (404)", async () => {
    const approver = await createUser();
    const t = await runningTask({ approvers: [approver.user_id] });
    const push = { tool_name: "Bash", tool_input: { command: "git push --force origin main" } };
    const rid = (await call("POST", `/v1/tasks/${t.taskId}/gate`, { token: t.taskToken, body: push })).body.data.request_id;
    expect((await call("GET", `/v1/tasks/${t.taskId}/approvals/${rid}`, { token: approver.token })).status).toBe(200);
    expect((await call("PUT", `/v1/repos/${t.repo}`, { token: ADMIN, body: { approvers: [] } })).status).toBe(200);
    for (const path of ["approve", "deny"]) {
      const r = await call("POST", `/v1/tasks/${t.taskId}/${path}`, { token: approver.token, body: { request_id: rid } });
      expect(r.status, path).toBe(404);
      expect(r.body.error.code).toBe("REQUEST_NOT_FOUND");
    }
    expect((await call("GET", `/v1/tasks/${t.taskId}/approvals/${rid}`, { token: approver.token })).status).toBe(404);
    // The owner still decides.
    expect((await call("POST", `/v1/tasks/${t.taskId}/approve`, { token: t.user.token, body: { request_id: rid } })).status).toBe(202);
  });
});
