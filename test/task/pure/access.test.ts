import { describe, expect, it } from "vitest";
import type { Actor } from "../../../src/shared/types";
import { type AccessMode, access } from "../../../src/task/access";
import { taskState } from "./fixtures";

const s = taskState();
const owner: Actor = { kind: "user", user_id: "owner" };
const stranger: Actor = { kind: "user", user_id: "someone" };
const admin: Actor = { kind: "admin" };
const token: Actor = { kind: "task", task_id: s.task_id, token_hash: "a".repeat(64) };
const forged: Actor = { kind: "task", task_id: s.task_id, token_hash: "c".repeat(64) };
const otherTask: Actor = { kind: "task", task_id: "01JOTHERAAAAAAAAAAAAAAAAAA", token_hash: "a".repeat(64) };
const runner: Actor = { kind: "runner", runner_id: "runner1", token_hash: "a".repeat(64) };

describe("access: who may act on a task", () => {
  it.each<[string, Actor, AccessMode, string]>([
    ["the owner reads", owner, "read", "ok"],
    ["the owner cancels", owner, "owner", "ok"],
    ["the owner cannot act as the task's agent", owner, "task", "TASK_NOT_FOUND"],
    ["an admin reads", admin, "read", "ok"],
    ["an admin cancels", admin, "owner", "ok"],
    ["an admin cannot act as the agent", admin, "task", "TASK_NOT_FOUND"],
    ["another user gets the same 404 as a missing task", stranger, "read", "TASK_NOT_FOUND"],
    ["another user cannot cancel", stranger, "owner", "TASK_NOT_FOUND"],
    ["the task's token reads", token, "read", "ok"],
    ["the task's token acts as the agent", token, "task", "ok"],
    ["the task's token cannot cancel", token, "owner", "TASK_NOT_FOUND"],
    ["a token with another secret is nobody", forged, "task", "TASK_NOT_FOUND"],
    ["another task's token is nobody", otherTask, "task", "TASK_NOT_FOUND"],
    ["a runner token is nobody here", runner, "read", "TASK_NOT_FOUND"],
  ])("%s", (_what, actor, mode, want) => {
    const r = access(s, actor, mode, false);
    expect(r.ok ? "ok" : r.code).toBe(want);
    if (r.ok) expect(r.s).toBe(s);
  });

  it.each([
    ["COMPLETED", "TASK_ENDED"],
    ["FAILED", "TASK_ENDED"],
    ["TIMED_OUT", "TASK_TIMED_OUT"],
    ["CANCELLED", "TASK_CANCELLED"],
  ] as const)("a task token dies with its task (%s -> 401 %s)", (status, code) => {
    const r = access(taskState({ status }), token, "task", false);
    expect(r).toMatchObject({ ok: false, code, status: 401 });
  });

  it("a revoked task token gets 401 TOKEN_REVOKED, before anything else about the task", () => {
    expect(access(taskState({ status: "COMPLETED" }), token, "task", true)).toMatchObject({
      ok: false,
      code: "TOKEN_REVOKED",
      status: 401,
    });
    // Revocation concerns the token only: the owner still reads the task.
    expect(access(s, owner, "read", true).ok).toBe(true);
  });

  it("a task not yet claimed has no token that works", () => {
    expect(access(taskState({ task_token_hash: null }), token, "task", false)).toMatchObject({ ok: false, code: "TASK_NOT_FOUND" });
  });

  it("a missing task is 404 for everyone", () => {
    for (const actor of [owner, admin, token]) expect(access(null, actor, "read", false)).toMatchObject({ ok: false, status: 404 });
  });
});
