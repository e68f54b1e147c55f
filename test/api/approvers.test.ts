/**
 * Approvers are first-class: they see what they may decide (GET /v1/pending, marked by role), read
 * the tasks they may decide on, and every decision records who decided and in which role.
 */
import { describe, expect, it } from "vitest";
import { ADMIN, call, claimTask, createUser, runningTask } from "../helpers/api";

const gate = async (t: { taskId: string; taskToken: string }, command = "git push --force origin feature/x") => {
  const g = await call("POST", `/v1/tasks/${t.taskId}/gate`, { token: t.taskToken, body: { tool_name: "Bash", tool_input: { command } } });
  expect(g.body.data.outcome).toBe("require_approval");
  return g.body.data.request_id as string;
};

describe("approvers are first-class", () => {
  it("GET /v1/pending lists own tasks as owner and approved repos' as approver; a stranger sees neither", async () => {
    const approver = await createUser();
    const stranger = await createUser();
    const theirs = await runningTask({ approvers: [approver.user_id] });
    const theirRid = await gate(theirs);
    const own = await runningTask();
    // The approver's own task, in a repo they do not approve for.
    const ownTask = await call("POST", "/v1/tasks", { token: approver.token, body: { repo: own.repo, description: "mine" } });
    expect(ownTask.status).toBe(201);
    const ownToken = await claimTask(ownTask.body.data.task_id);
    await call("POST", `/v1/tasks/${ownTask.body.data.task_id}/events`, { token: ownToken, body: { type: "session_started" } });
    const ownRid = await gate({ taskId: ownTask.body.data.task_id, taskToken: ownToken });

    const mine = (await call("GET", "/v1/pending", { token: approver.token })).body.data.pending as any[];
    expect(mine.map((p) => [p.request_id, p.role])).toEqual(
      expect.arrayContaining([
        [theirRid, "approver"],
        [ownRid, "owner"],
      ]),
    );
    expect(mine.find((p) => p.request_id === theirRid)).toMatchObject({ task_id: theirs.taskId, repo: theirs.repo, severity: "medium" });
    expect((await call("GET", "/v1/pending", { token: theirs.user.token })).body.data.pending).toEqual([
      expect.objectContaining({ request_id: theirRid, role: "owner" }),
    ]);
    const others = (await call("GET", "/v1/pending", { token: stranger.token })).body.data.pending as any[];
    expect(others.map((p) => p.request_id)).not.toContain(theirRid);
    expect(others.map((p) => p.request_id)).not.toContain(ownRid);
  });

  it("an approver reads the task and its events (200); anyone else still gets 404; removed from the list, 404 again", async () => {
    const approver = await createUser();
    const stranger = await createUser();
    const t = await runningTask({ approvers: [approver.user_id] });
    for (const path of [`/v1/tasks/${t.taskId}`, `/v1/tasks/${t.taskId}/events`]) {
      expect((await call("GET", path, { token: approver.token })).status).toBe(200);
      const r = await call("GET", path, { token: stranger.token });
      expect(r.status).toBe(404);
      expect(r.body.error.code).toBe("TASK_NOT_FOUND");
    }
    expect((await call("GET", `/v1/tasks/${t.taskId}`, { token: approver.token })).body.data).toMatchObject({ task_id: t.taskId });
    // Reading is not owning: an approver cannot cancel.
    expect((await call("POST", `/v1/tasks/${t.taskId}/cancel`, { token: approver.token })).status).toBe(404);
    await call("PUT", `/v1/repos/${t.repo}`, { token: ADMIN, body: { approvers: [] } });
    expect((await call("GET", `/v1/tasks/${t.taskId}`, { token: approver.token })).status).toBe(404);
  });

  it.each([
    ["approver", "approve"],
    ["owner", "deny"],
  ] as const)("a decision by the %s (%s) records who and in which role: approval, events, card", async (role, verb) => {
    const approver = await createUser();
    const t = await runningTask({ approvers: [approver.user_id] });
    const rid = await gate(t);
    const decider = role === "owner" ? t.user : approver;
    const r = await call("POST", `/v1/tasks/${t.taskId}/${verb}`, { token: decider.token, body: { request_id: rid } });
    expect(r.status).toBe(202);
    const shown = (await call("GET", `/v1/tasks/${t.taskId}/approvals/${rid}`, { token: t.user.token })).body.data;
    expect(shown).toMatchObject({ decided_by: decider.user_id, decided_role: role });
    const events = (await call("GET", `/v1/tasks/${t.taskId}/events`, { token: t.user.token })).body.data.events as any[];
    const outcome = events.find((e) => e.event_type === (verb === "approve" ? "approval_granted" : "approval_denied"));
    expect(outcome.metadata).toMatchObject({ decided_by: decider.user_id, decided_role: role });
    const recorded = events.find((e) => e.event_type === "approval_decision_recorded");
    expect(recorded.metadata).toMatchObject({ caller_user_id: decider.user_id, caller_role: role });
  });

  it("the owner listed as approver of their own repo still decides as owner", async () => {
    const t = await runningTask();
    await call("PUT", `/v1/repos/${t.repo}`, { token: ADMIN, body: { approvers: [t.user.user_id] } });
    const rid = await gate(t);
    await call("POST", `/v1/tasks/${t.taskId}/approve`, { token: t.user.token, body: { request_id: rid } });
    expect((await call("GET", `/v1/tasks/${t.taskId}/approvals/${rid}`, { token: t.user.token })).body.data.decided_role).toBe("owner");
  });
});
