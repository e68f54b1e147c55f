/**
 * What one invocation of the DISPATCH consumer spends against the Workers per-invocation limits
 * (subrequests: 50 Free / 10,000 Paid; D1 queries: 50 Free / 1,000 Paid), measured on full batches
 * (max_batch_size = 10) of the most expensive messages. README "Operating bgagent" quotes these.
 */
import { createScheduledController } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { FakeApis } from "../../cli/dev/support/fakeApis";
import type { Env } from "../../src/env";
import worker from "../../src/index";
import { iso } from "../../src/shared/clock";
import { newId } from "../../src/shared/ids";
import type { TaskView } from "../../src/shared/types";
import { pruneEndedTasks } from "../../src/store/retention";
import { deliver, message, slackTask } from "../helpers/dispatch";
import { installFakeApis } from "../helpers/fakeFetch";

let fake: FakeApis;
beforeEach(() => {
  fake = installFakeApis();
});
afterEach(() => vi.restoreAllMocks());

/** A D1 handle that counts the statements it executes (a batch counts each of its statements). */
function countingDb(db: D1Database): { db: D1Database; queries: () => number } {
  let queries = 0;
  const real = new WeakMap<object, D1PreparedStatement>();
  const wrap = (stmt: D1PreparedStatement): D1PreparedStatement => {
    const proxy = new Proxy(stmt, {
      get(target, prop) {
        if (prop === "bind") return (...args: unknown[]) => wrap(target.bind(...args));
        if (prop === "run" || prop === "first" || prop === "all" || prop === "raw") {
          return (...args: unknown[]) => {
            queries++;
            return (target[prop] as (...a: unknown[]) => unknown).apply(target, args);
          };
        }
        const v = Reflect.get(target, prop);
        return typeof v === "function" ? v.bind(target) : v;
      },
    });
    real.set(proxy, stmt);
    return proxy;
  };
  const proxy = new Proxy(db, {
    get(target, prop) {
      if (prop === "prepare") return (sql: string) => wrap(target.prepare(sql));
      if (prop === "batch") {
        return (stmts: D1PreparedStatement[]) => {
          queries += stmts.length;
          return target.batch(stmts.map((s) => real.get(s) ?? s));
        };
      }
      const v = Reflect.get(target, prop);
      return typeof v === "function" ? v.bind(target) : v;
    },
  });
  return { db: proxy, queries: () => queries };
}

async function measure(bodies: ReturnType<typeof message>[], workerEnv: Partial<Env> = {}) {
  const counter = countingDb(env.DB);
  const before = fake.calls.length;
  const r = await deliver(
    bodies.map((body) => ({ body })),
    "bgagent-dispatch",
    { ...env, ...workerEnv, DB: counter.db },
  );
  expect(r.acked).toHaveLength(bodies.length);
  return { subrequests: fake.calls.length - before, d1: counter.queries() };
}

describe("per-invocation cost of a full dispatch batch", () => {
  it("10 task outcomes in Slack (post, 3 reactions, 2 progress deletes each): 60 subrequests, 50 D1 queries", async () => {
    const tasks: TaskView[] = [];
    for (let i = 0; i < 10; i++) {
      const t = await slackTask({ channel: `CPLAN${i}` });
      await deliver([{ body: message(t, "slack", "task_created") }, { body: message(t, "slack", "session_started") }]);
      tasks.push(t);
    }
    const cost = await measure(tasks.map((t) => message(t, "slack", "task_completed", {}, { status: "COMPLETED" })));
    expect(cost).toEqual({ subrequests: 60, d1: 50 });
  });

  it("10 GitHub comments with a GitHub App, cold token cache, 10 owners: 30 subrequests, 50 D1 queries", async () => {
    const pair = (await crypto.subtle.generateKey(
      { name: "RSASSA-PKCS1-v1_5", modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" },
      true,
      ["sign", "verify"],
    )) as CryptoKeyPair;
    const der = new Uint8Array((await crypto.subtle.exportKey("pkcs8", pair.privateKey)) as ArrayBuffer);
    const pem = `-----BEGIN PRIVATE KEY-----\n${btoa(String.fromCharCode(...der))}\n-----END PRIVATE KEY-----`;
    const appId = String(900_000 + Math.floor(Math.random() * 90_000));
    const bodies = [];
    const installations: Record<string, number> = {};
    for (let i = 0; i < 10; i++) {
      const t = await slackTask({ issue: 40 + i });
      const repo = `plan${i}-${appId}/widgets`;
      installations[repo.split("/")[0]] = 500 + i;
      bodies.push(message(t, "github", "task_completed", {}, { status: "COMPLETED", version: 3, repo }));
    }
    fake.actAsApp(appId, pair.publicKey, installations);
    const cost = await measure(bodies, { GITHUB_APP_ID: appId, GITHUB_APP_PRIVATE_KEY: pem });
    expect(cost).toEqual({ subrequests: 30, d1: 50 });
  });
});

describe("per-invocation cost of a cron run", () => {
  it("reconciler and retention with a backlog of 30,000 rows to prune: 4 + 29 D1 queries (the cap of 30 keeps one for the marking)", async () => {
    const id = newId();
    const ended = iso(Date.now() - 40 * 86_400_000);
    await env.DB.batch([
      env.DB.prepare(
        `INSERT INTO tasks (id, user_id, repo, description, status, approval_timeout_s, approval_gate_cap, channel_source,
           created_at, updated_at, completed_at, version)
         VALUES (?1, 'u-plan', 'acme/plan', 'd', 'COMPLETED', 300, 50, 'api', ?2, ?2, ?2, 1)`,
      ).bind(id, ended),
      env.DB.prepare(
        `INSERT INTO task_events (event_id, task_id, event_type, metadata, created_at)
         WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 30000)
         SELECT ?1 || '-' || printf('%05d', i), ?1, 'agent_milestone', '{}', ?2 FROM n`,
      ).bind(id, ended),
    ]);
    const counter = countingDb(env.DB);
    await worker.scheduled(createScheduledController({ scheduledTime: Date.now(), cron: "*/5 * * * *" }), { ...env, DB: counter.db });
    expect(counter.queries()).toBe(33);
    // Drain the rest here rather than in other files' cron runs.
    while (
      (await pruneEndedTasks(env.DB, iso(Date.now() - 30 * 86_400_000), iso(), { tasks: 50, rowBatch: 5000, maxStatements: 100 })).capped
    );
    expect(await env.DB.prepare("SELECT COUNT(*) AS n FROM task_events WHERE task_id = ?").bind(id).first()).toEqual({ n: 0 });
  });
});
