/** Admin listing of users and runners, onboarding without resetting a blueprint, approvers that exist. */
import { describe, expect, it } from "vitest";
import { ADMIN, call, createRunner, createUser, onboardRepo, unique } from "../helpers/api";

describe("GET /v1/admin/users and /v1/admin/runners", () => {
  it("lists users with their live token count (0 after revoke)", async () => {
    const kept = await createUser(unique("kept"));
    const gone = await createUser(unique("gone"));
    expect((await call("DELETE", `/v1/admin/users/${gone.user_id}/tokens`, { token: ADMIN })).status).toBe(200);
    const r = await call("GET", "/v1/admin/users?limit=1000", { token: ADMIN });
    expect(r.status).toBe(200);
    const byId = new Map(r.body.data.users.map((u: any) => [u.user_id, u]));
    expect(byId.get(kept.user_id)).toMatchObject({ active_tokens: 1, created_at: expect.any(String) });
    expect(byId.get(gone.user_id)).toMatchObject({ active_tokens: 0 });
    expect(JSON.stringify(r.body)).not.toContain(kept.token);
  });

  it("lists runners with their repo limits (null = any repo)", async () => {
    const any = await createRunner();
    const limited = (await call("POST", "/v1/admin/runners", { token: ADMIN, body: { name: unique("r"), repos: ["Acme/*"] } })).body.data;
    const r = await call("GET", "/v1/admin/runners?limit=1000", { token: ADMIN });
    expect(r.status).toBe(200);
    const byId = new Map(r.body.data.runners.map((x: any) => [x.runner_id, x]));
    expect(byId.get(any.runner_id)).toMatchObject({ repos: null, active_tokens: 1 });
    expect(byId.get(limited.runner_id)).toMatchObject({ repos: ["acme/*"], active_tokens: 1 });
  });

  it.each(["users", "runners"])("refuses /v1/admin/%s to a user (403) and a runner (403), and without a token (401)", async (what) => {
    const user = await createUser();
    const runner = await createRunner();
    for (const token of [user.token, runner.token]) {
      const r = await call("GET", `/v1/admin/${what}`, { token });
      expect(r.status).toBe(403);
      expect(r.body.error.code).toBe("FORBIDDEN");
    }
    expect((await call("GET", `/v1/admin/${what}`)).status).toBe(401);
  });

  it("bad limit: 400 with the envelope", async () => {
    const r = await call("GET", "/v1/admin/users?limit=0", { token: ADMIN });
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe("VALIDATION_ERROR");
  });
});

describe("PUT /v1/repos/{repo}", () => {
  it("with If-None-Match: * onboards a new repo (201) and keeps an existing repo's blueprint (409)", async () => {
    const repo = `acme/${unique("keep")}`;
    const first = await call("PUT", `/v1/repos/${repo}`, { token: ADMIN, body: {}, headers: { "if-none-match": "*" } });
    expect(first.status).toBe(201);
    await onboardRepo(repo, { approval_gate_cap: 7, disabled_rules: ["force_push_any"] });
    const again = await call("PUT", `/v1/repos/${repo}`, { token: ADMIN, body: {}, headers: { "if-none-match": "*" } });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe("CONFLICT");
    const listed = (await call("GET", "/v1/repos", { token: ADMIN })).body.data.repos.find((r: any) => r.repo === repo);
    expect(listed.blueprint).toMatchObject({ approval_gate_cap: 7, disabled_rules: ["force_push_any"] });
  });

  it("refuses approvers who are not users (400, nothing stored), and accepts real ones", async () => {
    const alice = await createUser();
    const runner = await createRunner();
    const repo = `acme/${unique("appr")}`;
    for (const approvers of [["nobody-here"], [alice.user_id, "nobody-here"], [runner.runner_id]]) {
      const r = await call("PUT", `/v1/repos/${repo}`, { token: ADMIN, body: { approvers } });
      expect(r.status).toBe(400);
      expect(r.body.error).toMatchObject({ code: "VALIDATION_ERROR", message: expect.stringContaining("no such user") });
      expect(r.body.error.message).not.toContain(alice.user_id);
    }
    expect((await call("GET", "/v1/repos", { token: ADMIN })).body.data.repos.map((r: any) => r.repo)).not.toContain(repo);
    const ok = await call("PUT", `/v1/repos/${repo}`, { token: ADMIN, body: { approvers: [alice.user_id] } });
    expect(ok.status).toBe(200);
    expect(ok.body.data.blueprint.approvers).toEqual([alice.user_id]);
  });
});
