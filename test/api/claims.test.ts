/** Runner claims are pushed: a waiting runner parks in its pool's DO and is handed a task the moment it is submitted. */
import { createExecutionContext, runInDurableObject, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import worker from "../../src/index";
import { countingD1 } from "../../src/store/queryCount";
import { poolKey } from "../../src/task/pool";
import type { RunnerPoolDO } from "../../src/task/RunnerPoolDO";
import { ADMIN, call, createUser, onboardRepo, submit, unique } from "../helpers/api";

/** A runner limited to fresh owners, so its claims see only this test's tasks (D1 is shared across tests). */
async function runner(globs: string[]): Promise<{ runner_id: string; token: string }> {
  const r = await call("POST", "/v1/admin/runners", { token: ADMIN, body: { name: unique("runner"), repos: globs } });
  expect(r.status).toBe(201);
  return r.body.data;
}

const claim = (token: string, wait = 0) => call("POST", `/v1/runner/claim?wait=${wait}`, { token });
const pool = (globs: string[]) => env.RUNNER_POOLS.get(env.RUNNER_POOLS.idFromName(poolKey(globs.map((g) => g.toLowerCase()))));

/** Until `n` claim calls are parked in the pool (so what is submitted next must be pushed to them). */
async function untilWaiting(globs: string[], n = 1): Promise<void> {
  await vi.waitFor(async () => expect((await pool(globs).counts()).waiting).toBe(n), { timeout: 5_000, interval: 10 });
}

async function fresh() {
  const owner = unique("pool");
  const globs = [`${owner}/*`];
  const repo = await onboardRepo(`${owner}/app`);
  const user = await createUser();
  return { owner, globs, repo, user };
}

describe("claims pushed through the runner pool", () => {
  it("hands a task submitted after the runner started waiting to that runner at once", async () => {
    const f = await fresh();
    const r = await runner(f.globs);
    const waiting = claim(r.token, 20);
    await untilWaiting(f.globs);
    const started = Date.now();
    const task = await submit(f.user.token, { repo: f.repo, description: "pushed" });
    const c = await waiting;
    expect(c.status).toBe(200);
    expect(c.body.data.task.task_id).toBe(task.task_id);
    expect(c.body.data.task.status).toBe("HYDRATING");
    expect(c.body.data.task_token).toMatch(/^bgt_/);
    // Pushed, not found by a later poll: well inside the 20 s wait.
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(await pool(f.globs).counts()).toEqual({ waiting: 0, hints: 0, leased: 0 });
  });

  it("gives one task to exactly one of two waiting runners; the other times out empty", async () => {
    const f = await fresh();
    const [a, b] = [await runner(f.globs), await runner(f.globs)];
    const waits = [claim(a.token, 2), claim(b.token, 2)];
    await untilWaiting(f.globs, 2);
    const task = await submit(f.user.token, { repo: f.repo, description: "one of you" });
    const replies = await Promise.all(waits);
    expect(replies.map((r) => r.status).sort()).toEqual([200, 204]);
    expect(replies.find((r) => r.status === 200)!.body.data.task.task_id).toBe(task.task_id);
  });

  it("does not hand a waiting runner a task of a repo outside its limits", async () => {
    const f = await fresh();
    const r = await runner(f.globs);
    const other = await onboardRepo(`${unique("other")}/app`);
    const lookalike = await onboardRepo(`${f.owner}-evil/app`);
    const waiting = claim(r.token, 1);
    await untilWaiting(f.globs);
    const outside = [
      await submit(f.user.token, { repo: other, description: "not yours" }),
      await submit(f.user.token, { repo: lookalike, description: "not yours either" }),
    ];
    expect((await waiting).status).toBe(204);
    for (const t of outside) {
      expect((await call("GET", `/v1/tasks/${t.task_id}`, { token: f.user.token })).body.data.status).toBe("SUBMITTED");
    }
  });

  it("never claims a task the pool offers outside the runner's limits (checked again at the claim)", async () => {
    const f = await fresh();
    const r = await runner(f.globs);
    const outside = await submit(f.user.token, { repo: await onboardRepo(`${unique("other")}/app`), description: "not yours" });
    const waiting = claim(r.token, 1);
    await untilWaiting(f.globs);
    // As if the pool were wrong about which tasks its runners may take.
    expect(await pool(f.globs).offer({ task_id: outside.task_id, repo: outside.repo })).toBe(true);
    expect((await waiting).status).toBe(204);
    expect((await call("GET", `/v1/tasks/${outside.task_id}`, { token: f.user.token })).body.data.status).toBe("SUBMITTED");
  });

  it("answers 503 (the runner backs off) when its pool fails mid-wait", async () => {
    const f = await fresh();
    const r = await runner(f.globs);
    const waiting = claim(r.token, 5);
    await untilWaiting(f.globs);
    await runInDurableObject(pool(f.globs), (_inst, state) => state.abort("reset by the test")).catch(() => undefined);
    const c = await waiting;
    expect([c.status, c.body.error.code]).toEqual([503, "SERVICE_UNAVAILABLE"]);
  });

  it("answers 204 with no body when nothing is submitted within the wait", async () => {
    const f = await fresh();
    const r = await runner(f.globs);
    const started = Date.now();
    const c = await claim(r.token, 1);
    expect(c.status).toBe(204);
    expect(c.body).toBeNull();
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect((await pool(f.globs).counts()).waiting).toBe(0);
  });

  it("loses nothing when the pool forgets (eviction): the task is still claimable from D1", async () => {
    const f = await fresh();
    const r = await runner(f.globs);
    const task = await submit(f.user.token, { repo: f.repo, description: "kept in D1" });
    // The pool kept a hint for the next runner; a restarted pool has none.
    expect((await pool(f.globs).counts()).hints).toBe(1);
    // Evict it: the next call meets a new instance with nothing in memory.
    await runInDurableObject(pool(f.globs), (_inst, state) => state.abort("evicted by the test")).catch(() => undefined);
    expect((await pool(f.globs).counts()).hints).toBe(0);
    const c = await claim(r.token, 0);
    expect(c.body.data.task.task_id).toBe(task.task_id);
  });

  it("a runner whose claim call went away does not keep the task: the lease runs out and the next runner gets it", async () => {
    const f = await fresh();
    const r = await runner(f.globs);
    await runInDurableObject(pool(f.globs), async (inst) => {
      (inst as RunnerPoolDO).handover.leaseMs = 200;
    });
    // A claim call whose client and Worker are gone: parked, handed the task, never settles it.
    const abandoned = pool(f.globs).wait(10_000);
    await untilWaiting(f.globs);
    const task = await submit(f.user.token, { repo: f.repo, description: "not lost" });
    expect((await abandoned)?.task_id).toBe(task.task_id);
    expect((await pool(f.globs).counts()).leased).toBe(1);
    const c = await claim(r.token, 5);
    expect(c.status).toBe(200);
    expect(c.body.data.task.task_id).toBe(task.task_id);
  });

  it("an idle claim makes at most 2 D1 queries, however long it waits (the token, then limits and candidates)", async () => {
    const f = await fresh();
    const r = await runner(f.globs);
    for (const wait of [0, 2]) {
      const d1 = countingD1(env.DB);
      const ctx = createExecutionContext();
      const res = await worker.fetch(
        new Request(`http://bgagent.test/v1/runner/claim?wait=${wait}`, {
          method: "POST",
          headers: { authorization: `Bearer ${r.token}` },
        }),
        { ...env, DB: d1.db },
        ctx,
      );
      await waitOnExecutionContext(ctx);
      expect(res.status).toBe(204);
      expect(d1.count()).toBe(2);
      // The route reports the same count.
      expect(res.headers.get("server-timing")).toBe('d1;desc="2"');
    }
  });

  it("a claimed task costs one more D1 query (the revocation check)", async () => {
    const f = await fresh();
    const r = await runner(f.globs);
    const waiting = claim(r.token, 5);
    await untilWaiting(f.globs);
    await submit(f.user.token, { repo: f.repo, description: "count me" });
    expect((await waiting).headers.get("server-timing")).toBe('d1;desc="3"');
  });
});
