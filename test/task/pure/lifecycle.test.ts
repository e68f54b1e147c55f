import { describe, expect, it } from "vitest";
import type { TaskStatus } from "../../../src/shared/taskStatus";
import { finished, runnerEvent, transitionProblem } from "../../../src/task/lifecycle";
import { silentForS, strandedMessage, watchdogAt, watchdogLimits } from "../../../src/task/watchdog";
import { T0, taskState } from "./fixtures";

describe("lifecycle", () => {
  it.each([
    ["a PR of another repo", { status: "COMPLETED" as const, pr_url: "https://github.com/evil/repo/pull/1" }, "VALIDATION_ERROR"],
    ["a transition the table forbids", { status: "COMPLETED" as const }, "INVALID_TRANSITION"],
  ])("finish refuses %s", (what, input, code) => {
    const cur = taskState({ status: what.startsWith("a transition") ? "AWAITING_APPROVAL" : "RUNNING" });
    expect(finished(cur, input, "https://github.com", T0)).toMatchObject({ ok: false, code });
  });

  it.each([
    ["session_started starts a claimed task", "HYDRATING", "session_started", {}, "RUNNING"],
    ["session_started twice is refused", "RUNNING", "session_started", {}, "INVALID_TRANSITION"],
    ["a milestone leaves the status alone", "RUNNING", "agent_milestone", { note: "x" }, "RUNNING"],
    ["nothing after the end", "COMPLETED", "agent_error", {}, "TASK_TERMINAL"],
    [
      "a PR of the task's repo is kept, normalised",
      "RUNNING",
      "pr_created",
      { pr_url: "https://github.com/acme/widgets/pull/7" },
      "RUNNING",
    ],
    ["a PR elsewhere is refused", "RUNNING", "pr_created", { pr_url: "https://evil.example/acme/widgets/pull/7" }, "VALIDATION_ERROR"],
  ] as const)("runner event: %s", (_w, status, type, metadata, want) => {
    const r = runnerEvent(taskState({ status }), type, metadata, "https://github.com", T0);
    expect("next" in r ? r.next.status : r.code).toBe(want);
    if ("next" in r && type === "pr_created") expect(r.next.pr_url).toBe("https://github.com/acme/widgets/pull/7");
  });

  it.each<[TaskStatus, TaskStatus, string | null]>([
    ["RUNNING", "COMPLETED", null],
    ["SUBMITTED", "RUNNING", "INVALID_TRANSITION"],
    ["AWAITING_APPROVAL", "COMPLETED", "INVALID_TRANSITION"],
    ["COMPLETED", "CANCELLED", "TASK_TERMINAL"],
    ["CANCELLED", "RUNNING", "TASK_TERMINAL"],
  ])("%s -> %s: %s", (from, to, code) => {
    expect(transitionProblem(taskState({ status: from }), to)?.code ?? null).toBe(code);
  });

  it.each([
    [
      "COMPLETED keeps no error and the new PR",
      { status: "COMPLETED" as const, pr_url: "u" },
      "https://github.com/acme/widgets/pull/1",
      null,
    ],
    ["FAILED without a message says the agent reported failure", { status: "FAILED" as const }, null, "Agent reported failure."],
    ["FAILED keeps the agent's message", { status: "FAILED" as const, error: "tests red" }, null, "tests red"],
  ])("finish: %s", (_w, input, prUrl, error) => {
    const cur = taskState({
      status: "RUNNING",
      awaiting_approval_request_id: null,
      pr_url: "https://github.com/acme/widgets/pull/0",
      cost_usd: 1,
    });
    const f = finished(cur, { ...input, pr_url: prUrl ?? undefined }, "https://github.com", T0);
    if (!("next" in f)) throw new Error(f.message);
    const { next, metadata } = f;
    expect(next).toMatchObject({ status: input.status, error_message: error, completed_at: new Date(T0).toISOString(), cost_usd: 1 });
    expect(next.pr_url).toBe(prUrl ?? cur.pr_url);
    expect(metadata).toEqual({ duration_s: 500, pr_url: next.pr_url, cost_usd: 1, ...(error ? { error_message: error } : {}) });
  });
});

describe("watchdog rules (shared by the alarm and the reconciler)", () => {
  const limits = watchdogLimits({ STRANDED_TIMEOUT_S: "1200", HEARTBEAT_TIMEOUT_S: "300" });

  it.each<[string, Partial<Parameters<typeof taskState>[0]>, number | null]>([
    [
      "an unstarted task strands STRANDED_TIMEOUT_S after its last change",
      { status: "SUBMITTED", updated_at: new Date(T0).toISOString() },
      T0 + 1_200_000,
    ],
    ["a claimed task too", { status: "HYDRATING", updated_at: new Date(T0).toISOString() }, T0 + 1_200_000],
    [
      "a running task HEARTBEAT_TIMEOUT_S after its last heartbeat",
      { status: "RUNNING", last_heartbeat_at: new Date(T0).toISOString() },
      T0 + 300_000,
    ],
    ["a task awaiting approval too", { status: "AWAITING_APPROVAL", last_heartbeat_at: new Date(T0).toISOString() }, T0 + 300_000],
    [
      "without a heartbeat yet, from its start",
      { status: "RUNNING", last_heartbeat_at: null, started_at: new Date(T0).toISOString() },
      T0 + 300_000,
    ],
    ["an ended task never", { status: "COMPLETED" }, null],
  ])("%s", (_w, over, at) => {
    expect(watchdogAt(taskState(over), limits)).toBe(at);
  });

  it("reads its limits from the environment, with defaults", () => {
    expect(watchdogLimits({ STRANDED_TIMEOUT_S: "60", HEARTBEAT_TIMEOUT_S: "30" })).toEqual({ strandedMs: 60_000, heartbeatMs: 30_000 });
    expect(watchdogLimits({ STRANDED_TIMEOUT_S: "", HEARTBEAT_TIMEOUT_S: "x" })).toEqual({ strandedMs: 1_200_000, heartbeatMs: 300_000 });
  });

  it("says why the task stranded", () => {
    const s = taskState({ last_heartbeat_at: new Date(T0 - 400_000).toISOString() });
    expect(silentForS(s, T0)).toBe(400);
    expect(strandedMessage(s, 400)).toMatch(/no heartbeat from the runner for 400s/);
    expect(strandedMessage(taskState({ status: "SUBMITTED" }), 1300)).toMatch(/no runner started it within 1300s/);
  });
});
