import { abortAllDurableObjects, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import type { TaskDO } from "../../src/task/TaskDO";
import { ADMIN, call, createUser, onboardRepo, runningTask, submit, untilParked } from "../helpers/api";

const gate = (t: { taskId: string; taskToken: string }, tool_name: string, tool_input: Record<string, unknown>, wait = 0) =>
  call("POST", `/v1/tasks/${t.taskId}/gate${wait ? `?wait=${wait}` : ""}`, { token: t.taskToken, body: { tool_name, tool_input } });
const push = { command: "git push --force origin feature/x" };
const stubOf = (taskId: string) => env.TASKS.get(env.TASKS.idFromName(taskId));

/** Move a pending approval's deadline into the past, then run the alarm handler. */
async function expireNow(taskId: string) {
  await runInDurableObject(stubOf(taskId), async (inst, state) => {
    state.storage.sql.exec("UPDATE approvals SET deadline = ? WHERE status = 'PENDING'", Date.now() - 1);
    await (inst as TaskDO).alarm();
  });
}

describe("the gate over REST", () => {
  it("allows, denies and asks, with reasons and rule ids", async () => {
    const t = await runningTask();
    expect((await gate(t, "Read", { file_path: "README.md" })).body.data).toEqual({
      outcome: "allow",
      reason: "permitted",
      matching_rule_ids: [],
    });
    const hard = await gate(t, "Bash", { command: "rm -rf /" });
    expect(hard.body.data).toMatchObject({ outcome: "deny", reason: "Hard-deny: rm_slash", matching_rule_ids: ["rm_slash"] });
    const soft = await gate(t, "Bash", push);
    expect(soft.status).toBe(200);
    expect(soft.body.data).toMatchObject({
      outcome: "require_approval",
      matching_rule_ids: ["force_push_any"],
      severity: "medium",
      timeout_s: 300,
    });
    expect(soft.body.data.request_id).toMatch(/^[0-9A-Z]{26}$/);
    // The one alarm is the earliest of: the gate-count flush (<= 10 s), the approval deadline and the
    // heartbeat watchdog (both ~300 s away).
    const alarm = await runInDurableObject(stubOf(t.taskId), (_i, state) => state.storage.getAlarm());
    expect(alarm! - Date.now()).toBeLessThanOrEqual(10_000);
    const next = await runInDurableObject(stubOf(t.taskId), async (inst, state) => {
      state.storage.sql.exec("UPDATE kv SET value = ? WHERE key = 'stats_due'", JSON.stringify(Date.now() - 1));
      await (inst as TaskDO).alarm();
      return state.storage.getAlarm();
    });
    expect(next).toBeLessThanOrEqual(Date.parse(soft.body.data.expires_at));
    expect(next! - Date.now()).toBeGreaterThan(290_000);
    const task = await call("GET", `/v1/tasks/${t.taskId}`, { token: t.user.token });
    expect(task.body.data).toMatchObject({
      status: "AWAITING_APPROVAL",
      awaiting_approval_request_id: soft.body.data.request_id,
      approval_gate_count: 1,
    });
    const pending = await call("GET", "/v1/pending", { token: t.user.token });
    expect(pending.body.data.pending).toEqual([
      expect.objectContaining({
        task_id: t.taskId,
        request_id: soft.body.data.request_id,
        tool_name: "Bash",
        severity: "medium",
        expires_at: soft.body.data.expires_at,
      }),
    ]);
    const events = await call("GET", `/v1/tasks/${t.taskId}/events`, { token: t.user.token });
    expect(events.body.data.events.map((e: any) => e.event_type)).toEqual(expect.arrayContaining(["gate_denied", "approval_requested"]));
  });

  it("answers a waiting long-poll the moment the owner approves, and the rule: scope sticks", async () => {
    const t = await runningTask();
    const asked = await gate(t, "Bash", push);
    const rid = asked.body.data.request_id;
    const started = Date.now();
    const waiting = call("GET", `/v1/tasks/${t.taskId}/approvals/${rid}?wait=20`, { token: t.taskToken });
    await untilParked(t.taskId, rid);
    const approved = await call("POST", `/v1/tasks/${t.taskId}/approve`, {
      token: t.user.token,
      body: { request_id: rid, scope: "rule:force_push_any" },
    });
    expect(approved.status).toBe(202);
    expect(approved.body.data).toMatchObject({ status: "APPROVED", scope: "rule:force_push_any" });
    const answer = await waiting;
    expect(Date.now() - started).toBeLessThan(5000);
    expect(answer.body.data).toMatchObject({ outcome: "allow", status: "APPROVED", reason: "User approved (rule:force_push_any)" });
    expect((await call("GET", `/v1/tasks/${t.taskId}`, { token: t.user.token })).body.data.status).toBe("RUNNING");
    // same rule, different branch: allowed without asking again
    expect((await gate(t, "Bash", { command: "git push -f origin other" })).body.data.outcome).toBe("allow");
    // a different rule still asks
    expect((await gate(t, "Write", { file_path: ".env", content: "" })).body.data.outcome).toBe("require_approval");
  });

  it("holds the gate call itself with ?wait= and returns the decision", async () => {
    const t = await runningTask();
    const held = gate(t, "Bash", push, 20);
    const rid = await vi.waitFor(
      async () => {
        const id = (await call("GET", `/v1/tasks/${t.taskId}`, { token: t.user.token })).body.data.awaiting_approval_request_id;
        expect(id).toBeTruthy();
        return id as string;
      },
      { timeout: 5_000, interval: 20 },
    );
    await untilParked(t.taskId, rid);
    await call("POST", `/v1/tasks/${t.taskId}/deny`, { token: t.user.token, body: { request_id: rid, reason: "not on a Friday" } });
    const r = await held;
    expect(r.body.data.outcome).toBe("deny");
    expect(r.body.data.reason).toMatch(/^AUTHORITATIVE DENY from human reviewer: not on a Friday \(matching rule: force_push_any\)/);
    expect(r.body.data.reason.length).toBeLessThanOrEqual(500);
  });

  it("redacts secrets in deny reasons, queues the denial for the agent once, and fast-denies retries", async () => {
    const t = await runningTask();
    const rid = (await gate(t, "Bash", push)).body.data.request_id;
    const secret = `ghp_${"a".repeat(36)}`;
    await call("POST", `/v1/tasks/${t.taskId}/deny`, {
      token: t.user.token,
      body: { request_id: rid, reason: `use token ${secret} <b>&</b>` },
    });
    const row = await env.DB.prepare("SELECT deny_reason, status FROM approvals WHERE request_id = ?").bind(rid).first<any>();
    expect(row.status).toBe("DENIED");
    expect(row.deny_reason).not.toContain(secret);
    expect(row.deny_reason).toContain("[REDACTED-GITHUB_TOKEN]");
    const hb1 = await call("POST", `/v1/tasks/${t.taskId}/heartbeat`, { token: t.taskToken });
    expect(hb1.body.data.denials).toEqual([
      `<user_denial request_id="${rid}" decided_at="${(await env.DB.prepare("SELECT decided_at FROM approvals WHERE request_id = ?").bind(rid).first<any>()).decided_at}">\nuse token [REDACTED-GITHUB_TOKEN] &lt;b&gt;&amp;&lt;/b&gt;\n</user_denial>`,
    ]);
    expect((await call("POST", `/v1/tasks/${t.taskId}/heartbeat`, { token: t.taskToken })).body.data.denials).toEqual([]);
    const same = await gate(t, "Bash", push);
    expect(same.body.data).toMatchObject({ outcome: "deny" });
    expect(same.body.data.reason).toMatch(/^Recent DENIED within 60s/);
    const variant = await gate(t, "Bash", { command: "git push --force origin feature/y" });
    expect(variant.body.data.reason).toMatch(/^Recent DENIED on rule 'force_push_any'/);
  });

  it("times out with a deny (fail closed) when nobody answers", async () => {
    const t = await runningTask();
    const rid = (await gate(t, "Bash", push)).body.data.request_id;
    const waiting = call("GET", `/v1/tasks/${t.taskId}/approvals/${rid}?wait=20`, { token: t.taskToken });
    await untilParked(t.taskId, rid);
    await expireNow(t.taskId);
    const answer = await waiting;
    expect(answer.body.data).toMatchObject({ outcome: "deny", status: "TIMED_OUT" });
    expect(answer.body.data.reason).toMatch(/timed out after 300s.*fail closed/);
    expect((await call("GET", `/v1/tasks/${t.taskId}`, { token: t.user.token })).body.data.status).toBe("RUNNING");
    // a click after the timeout loses, with a clear answer
    const late = await call("POST", `/v1/tasks/${t.taskId}/approve`, { token: t.user.token, body: { request_id: rid } });
    expect(late.status).toBe(409);
    expect(late.body.error.code).toBe("REQUEST_ALREADY_DECIDED");
    expect(late.body.error.message).toContain("TIMED_OUT");
    // and the same call within 60 s is denied from the cache
    expect((await gate(t, "Bash", push)).body.data.reason).toMatch(/^Recent TIMED_OUT within 60s/);
  });
});

describe("decision races and permissions", () => {
  it("accepts the first of two approvals and tells the second it lost", async () => {
    const t = await runningTask();
    const rid = (await gate(t, "Bash", push)).body.data.request_id;
    const [a, b] = await Promise.all([
      call("POST", `/v1/tasks/${t.taskId}/approve`, { token: t.user.token, body: { request_id: rid } }),
      call("POST", `/v1/tasks/${t.taskId}/deny`, { token: t.user.token, body: { request_id: rid } }),
    ]);
    expect([a.status, b.status].sort()).toEqual([202, 409]);
    const loser = a.status === 409 ? a : b;
    expect(loser.body.error.code).toBe("REQUEST_ALREADY_DECIDED");
  });

  it("lets the alarm lose to an approval that landed first", async () => {
    const t = await runningTask();
    const rid = (await gate(t, "Bash", push)).body.data.request_id;
    await call("POST", `/v1/tasks/${t.taskId}/approve`, { token: t.user.token, body: { request_id: rid } });
    const stub = stubOf(t.taskId);
    await runInDurableObject(stub, (_i, state) => state.storage.setAlarm(Date.now()));
    await runDurableObjectAlarm(stub);
    const row = await env.DB.prepare("SELECT status FROM approvals WHERE request_id = ?").bind(rid).first<any>();
    expect(row.status).toBe("APPROVED");
  });

  it("cancel while awaiting closes the approval; a deny after it gets 409 and waiters get a deny", async () => {
    const t = await runningTask();
    const rid = (await gate(t, "Bash", push)).body.data.request_id;
    const waiting = call("GET", `/v1/tasks/${t.taskId}/approvals/${rid}?wait=20`, { token: t.taskToken });
    await untilParked(t.taskId, rid);
    expect((await call("POST", `/v1/tasks/${t.taskId}/cancel`, { token: t.user.token })).body.data.status).toBe("CANCELLED");
    expect((await waiting).body.data).toMatchObject({ outcome: "deny", status: "CANCELLED" });
    const deny = await call("POST", `/v1/tasks/${t.taskId}/deny`, { token: t.user.token, body: { request_id: rid } });
    expect(deny.status).toBe(409);
    // a cancelled task's token is dead: the gate and the heartbeat refuse it (401), no denial is delivered
    const g = await gate(t, "Read", { file_path: "x" });
    expect([g.status, g.body.error.code]).toEqual([401, "TASK_CANCELLED"]);
    expect((await call("POST", `/v1/tasks/${t.taskId}/heartbeat`, { token: t.taskToken })).status).toBe(401);
  });

  it("hides approvals from everyone but the owner and listed approvers (404)", async () => {
    const approver = await createUser();
    const t = await runningTask({ approvers: [approver.user_id] });
    const stranger = await createUser();
    const rid = (await gate(t, "Bash", push)).body.data.request_id;
    for (const token of [stranger.token, ADMIN]) {
      const r = await call("POST", `/v1/tasks/${t.taskId}/approve`, { token, body: { request_id: rid } });
      expect([403, 404]).toContain(r.status);
    }
    const peek = await call("GET", `/v1/tasks/${t.taskId}/approvals/${rid}`, { token: stranger.token });
    expect(peek.status).toBe(404);
    const forged = await call("POST", `/v1/tasks/${t.taskId}/approve`, {
      token: t.user.token,
      body: { request_id: "01JZZZZZZZZZZZZZZZZZZZZZZZ" },
    });
    expect(forged.body.error.code).toBe("REQUEST_NOT_FOUND");
    const ok = await call("POST", `/v1/tasks/${t.taskId}/approve`, { token: approver.token, body: { request_id: rid } });
    expect(ok.body.data.status).toBe("APPROVED");
  });

  it("rejects scopes wider than the repo allows, unknown rules and broad patterns", async () => {
    const t = await runningTask();
    const rid = (await gate(t, "Bash", push)).body.data.request_id;
    for (const [scope, re] of [
      ["all_session", /wider than this repo allows \(max scoped\)/],
      ["rule:rm_slash", /does not name a soft rule/],
      ["rule:nope", /does not name a soft rule/],
      ["bash_pattern:*", /too broad/],
      ["tool_type:Bogus", /unknown tool_type/],
    ] as const) {
      const r = await call("POST", `/v1/tasks/${t.taskId}/approve`, { token: t.user.token, body: { request_id: rid, scope } });
      expect(r.status).toBe(400);
      expect(r.body.error.message).toMatch(re);
    }
    // the request is still pending after the bad attempts
    expect(
      (await call("POST", `/v1/tasks/${t.taskId}/approve`, { token: t.user.token, body: { request_id: rid, scope: "tool_type:Bash" } }))
        .status,
    ).toBe(202);
  });

  it("rate-limits decisions per user (30/minute) with 429", async () => {
    const t = await runningTask();
    const rid = (await gate(t, "Bash", push)).body.data.request_id;
    const { hit } = await import("../../src/store/rateLimits");
    for (let i = 0; i < 30; i++) await hit(env.DB, `decide#${t.user.user_id}`, 30);
    const r = await call("POST", `/v1/tasks/${t.taskId}/approve`, { token: t.user.token, body: { request_id: rid } });
    expect(r.status).toBe(429);
    expect(r.body.error.code).toBe("RATE_LIMIT_EXCEEDED");
  });
});

describe("limits", () => {
  it("denies approval gates past the task's cap (frozen at submit)", async () => {
    const t = await runningTask({ approval_gate_cap: 1 });
    const rid = (await gate(t, "Bash", push)).body.data.request_id;
    await call("POST", `/v1/tasks/${t.taskId}/approve`, { token: t.user.token, body: { request_id: rid } });
    const over = await gate(t, "Write", { file_path: ".env", content: "" });
    expect(over.body.data).toMatchObject({ outcome: "deny", reason: "approval-gate cap exceeded (1/task)" });
  });

  it("denies the 21st new approval gate within a minute", async () => {
    const t = await runningTask({ approval_gate_cap: 100 });
    for (let i = 0; i < 20; i++) {
      const r = await gate(t, "Bash", { command: `git push -f origin b${i}` });
      expect(r.body.data.outcome).toBe("require_approval");
      await call("POST", `/v1/tasks/${t.taskId}/approve`, { token: t.user.token, body: { request_id: r.body.data.request_id } });
    }
    const r = await gate(t, "Bash", { command: "git push -f origin b20" });
    expect(r.body.data).toMatchObject({ outcome: "deny", reason: "approval-gate rate limit exceeded (20/min)" });
  });

  it("refuses a second approval while one is pending", async () => {
    const t = await runningTask();
    await gate(t, "Bash", push);
    const second = await gate(t, "Write", { file_path: ".env", content: "" });
    expect(second.body.data.outcome).toBe("deny");
    expect(second.body.data.reason).toMatch(/another approval is pending/);
    // reads still go through while waiting
    expect((await gate(t, "Read", { file_path: "a" })).body.data.outcome).toBe("allow");
  });

  it("rejects oversized and malformed gate calls with 400, and other tasks' tokens with 404", async () => {
    const t = await runningTask();
    const big = await gate(t, "Write", { file_path: "a", content: "x".repeat(70_000) });
    expect(big.status).toBe(400);
    expect((await call("POST", `/v1/tasks/${t.taskId}/gate`, { token: t.taskToken, body: { tool_name: "", tool_input: {} } })).status).toBe(
      400,
    );
    expect(
      (await call("POST", `/v1/tasks/${t.taskId}/gate`, { token: t.taskToken, body: { tool_name: "Bash", tool_input: "rm -rf /" } }))
        .status,
    ).toBe(400);
    const other = await runningTask();
    expect(
      (await call("POST", `/v1/tasks/${t.taskId}/gate`, { token: other.taskToken, body: { tool_name: "Read", tool_input: {} } })).status,
    ).toBe(404);
    expect(
      (await call("POST", `/v1/tasks/${t.taskId}/gate`, { token: t.user.token, body: { tool_name: "Read", tool_input: {} } })).status,
    ).toBe(403);
  });

  it("validates initial_approvals at submit against the grammar and the repo maximum", async () => {
    const user = await createUser();
    const repo = await onboardRepo();
    for (const [scope, re] of [
      ["all_session", /wider than/],
      ["rule:nope", /soft rule/],
      ["write_path:*", /too broad/],
    ] as const) {
      const r = await call("POST", "/v1/tasks", { token: user.token, body: { repo, description: "x", initial_approvals: [scope] } });
      expect(r.status).toBe(400);
      expect(r.body.error.message).toMatch(re);
    }
    const open = await onboardRepo(undefined, { max_pre_approval_scope: "all_session" });
    const task = await submit(user.token, { repo: open, description: "x", initial_approvals: ["all_session"] });
    expect(task.initial_approvals).toEqual(["all_session"]);
  });

  it("rejects blueprints with invalid Cedar at PUT time with the loader's message", async () => {
    const r = await call("PUT", "/v1/repos/acme/badpolicy", {
      token: ADMIN,
      body: { soft_policies: '@tier("soft") @rule_id("x") forbid (principal, action, resource) when { context.nope };' },
    });
    expect(r.status).toBe(400);
    expect(r.body.error.message).toMatch(/Invalid policies: schema validation failed: rule x/);
    const dis = await call("PUT", "/v1/repos/acme/badpolicy", { token: ADMIN, body: { disabled_rules: ["drop_table"] } });
    expect(dis.body.error.message).toMatch(/cannot disable hard rule "drop_table"/);
  });

  it("lists a repo's rules per tier", async () => {
    const user = await createUser();
    const repo = await onboardRepo(undefined, { disabled_rules: ["write_github_workflows"] });
    const r = await call("GET", `/v1/repos/${repo}/policies`, { token: user.token });
    expect(r.body.data.policies.hard.map((x: any) => x.rule_id)).toContain("rm_slash");
    expect(r.body.data.policies.soft.find((x: any) => x.rule_id === "write_github_workflows").disabled).toBe(true);
  });
});

describe("durability", () => {
  it("keeps the allowlist, caches and a pending approval across DO eviction", async () => {
    const t = await runningTask();
    const first = (await gate(t, "Bash", push)).body.data.request_id;
    await call("POST", `/v1/tasks/${t.taskId}/approve`, { token: t.user.token, body: { request_id: first, scope: "rule:force_push_any" } });
    const second = (await gate(t, "Write", { file_path: ".env", content: "" })).body.data.request_id;
    await abortAllDurableObjects();
    // allowlist survived
    expect((await gate(t, "Bash", { command: "git push -f origin z" })).body.data.outcome).toBe("allow");
    // the pending approval survived, and a re-attached waiter gets the decision
    const waiting = call("GET", `/v1/tasks/${t.taskId}/approvals/${second}?wait=20`, { token: t.taskToken });
    await untilParked(t.taskId, second);
    await call("POST", `/v1/tasks/${t.taskId}/deny`, { token: t.user.token, body: { request_id: second, reason: "no" } });
    expect((await waiting).body.data.status).toBe("DENIED");
    expect((await env.DB.prepare("SELECT status FROM approvals WHERE request_id = ?").bind(second).first<any>()).status).toBe("DENIED");
  });

  it("a task object that cannot be reached is a deny with a reason, not a 500", async () => {
    const t = await runningTask();
    const { buildApp } = await import("../../src/api/app");
    const unreachable = {
      ...env,
      TASKS: {
        idFromName: () => ({}),
        get: () => ({ gate: () => Promise.reject(new Error("Durable Object reset because its code was updated")) }),
      },
    };
    const res = await buildApp().fetch(
      new Request(`http://x/v1/tasks/${t.taskId}/gate`, {
        method: "POST",
        headers: { authorization: `Bearer ${t.taskToken}`, "content-type": "application/json" },
        body: JSON.stringify({ tool_name: "Read", tool_input: { file_path: "a" } }),
      }),
      unreachable as any,
      { waitUntil() {}, passThroughOnException() {}, props: {} } as any,
    );
    expect(res.status).toBe(200);
    expect(((await res.json()) as any).data).toEqual({
      outcome: "deny",
      reason: "fail-closed: the gate is unavailable right now; retry the tool call shortly",
      matching_rule_ids: [],
    });
  });

  it("a failure inside the decision (corrupt task storage) is a deny the agent can read", async () => {
    const t = await runningTask();
    await runInDurableObject(stubOf(t.taskId), (_i, state) => {
      state.storage.sql.exec("UPDATE kv SET value = '{broken' WHERE key = 'task'");
    });
    const d = (await gate(t, "Read", { file_path: "a" })).body.data;
    expect(d.outcome).toBe("deny");
    expect(d.reason).toMatch(/^fail-closed: the gate could not decide/);
  });
});
