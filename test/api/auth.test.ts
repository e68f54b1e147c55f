import { describe, expect, it } from "vitest";
import { ADMIN, call, createUser, onboardRepo, submit } from "../helpers/api";

describe("bearer authentication", () => {
  it("rejects a request without a token with 401 and the error envelope", async () => {
    const r = await call("GET", "/v1/tasks");
    expect(r.status).toBe(401);
    expect(r.body.error.code).toBe("UNAUTHORIZED");
    expect(r.body.error.request_id).toBe(r.headers.get("x-request-id"));
  });

  it("rejects an unknown token", async () => {
    const r = await call("GET", "/v1/tasks", { token: "bgu_not-a-real-token-at-all-000000000" });
    expect(r.status).toBe(401);
  });

  it("rejects a token that looks like a task token for a task that does not accept it", async () => {
    const user = await createUser();
    const repo = await onboardRepo();
    const task = await submit(user.token, { repo, description: "x" });
    const forged = `bgt_${task.task_id}_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA`;
    const r = await call("POST", `/v1/tasks/${task.task_id}/heartbeat`, { token: forged });
    expect(r.status).toBe(404);
  });

  it("rejects a revoked token, and a freshly issued one works", async () => {
    const user = await createUser();
    expect((await call("GET", "/v1/tasks", { token: user.token })).status).toBe(200);
    const revoked = await call("DELETE", `/v1/admin/users/${user.user_id}/tokens`, { token: ADMIN });
    expect(revoked.body.data.revoked).toBe(1);
    expect((await call("GET", "/v1/tasks", { token: user.token })).status).toBe(401);
    const fresh = await call("POST", `/v1/admin/users/${user.user_id}/tokens`, { token: ADMIN });
    expect((await call("GET", "/v1/tasks", { token: fresh.body.data.token })).status).toBe(200);
  });

  it("keeps admin routes for the admin token only", async () => {
    const user = await createUser();
    const r = await call("POST", "/v1/admin/users", { token: user.token, body: { name: "mallory" } });
    expect(r.status).toBe(403);
    expect(r.body.error.code).toBe("FORBIDDEN");
  });

  it("stores tokens hashed, never in plain text", async () => {
    const { env } = await import("cloudflare:workers");
    const user = await createUser();
    const rows = await env.DB.prepare("SELECT token_hash FROM api_tokens WHERE subject_id = ?")
      .bind(user.user_id)
      .all<{ token_hash: string }>();
    expect(rows.results).toHaveLength(1);
    expect(rows.results[0].token_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(rows.results[0].token_hash).not.toContain(user.token);
  });
});

describe("validation", () => {
  it("rejects an oversized body with 400 VALIDATION_ERROR before parsing it", async () => {
    const user = await createUser();
    const r = await call("POST", "/v1/tasks", {
      token: user.token,
      raw: JSON.stringify({ repo: "a/b", description: "x".repeat(300_000) }),
      headers: { "content-type": "application/json" },
    });
    expect(r.status).toBe(400);
    expect(r.body.error.message).toMatch(/exceeds/);
  });

  it.each([
    [{ repo: "not a repo", description: "x" }, /repo/],
    [{ repo: "a/b", description: "" }, /description/],
    [{ repo: "a/b", description: "x", approval_timeout_s: 29 }, /approval_timeout_s/],
    [{ repo: "a/b", description: "x", approval_timeout_s: 3601 }, /approval_timeout_s/],
    [{ repo: "a/b", description: "x", initial_approvals: Array(21).fill("this_call") }, /initial_approvals/],
    [{ repo: "a/b", description: "x", initial_approvals: ["x".repeat(129)] }, /initial_approvals/],
    [{ repo: "a/b", description: "x", surprise: true }, /surprise|Unrecognized/],
  ])("rejects %j with a message naming the field", async (body, re) => {
    const user = await createUser();
    const r = await call("POST", "/v1/tasks", { token: user.token, body });
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe("VALIDATION_ERROR");
    expect(r.body.error.message).toMatch(re);
  });

  it("rejects malformed JSON with 400, not 500", async () => {
    const user = await createUser();
    const r = await call("POST", "/v1/tasks", { token: user.token, raw: "{nope", headers: { "content-type": "application/json" } });
    expect(r.status).toBe(400);
  });

  it("refuses tasks for repos nobody onboarded", async () => {
    const user = await createUser();
    const r = await call("POST", "/v1/tasks", { token: user.token, body: { repo: "ghost/repo", description: "x" } });
    expect(r.status).toBe(422);
    expect(r.body.error.code).toBe("REPO_NOT_ONBOARDED");
  });

  it("answers unknown routes with the envelope", async () => {
    const r = await call("GET", "/nope");
    expect(r.status).toBe(404);
    expect(r.body.error.code).toBe("NOT_FOUND");
  });
});
