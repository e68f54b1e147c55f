/** Drive the worker over HTTP as a client would (real routing, auth, DOs, D1). */
import { env, exports } from "cloudflare:workers";
import { expect, vi } from "vitest";

export const ADMIN = "test-admin-token";

export interface Reply<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

export async function call<T = any>(
  method: string,
  path: string,
  opts: { token?: string; body?: unknown; raw?: string; headers?: Record<string, string> } = {},
): Promise<Reply<T>> {
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  let payload: string | undefined = opts.raw;
  if (opts.body !== undefined) {
    payload = JSON.stringify(opts.body);
    headers["content-type"] = "application/json";
  }
  const res = await exports.default.fetch(new Request(`http://bgagent.test${path}`, { method, headers, body: payload }));
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null, headers: res.headers };
}

let seq = 0;
/** Until a long-poll is parked on the approval in its task's DO (so a decision made next must wake it). */
export async function untilParked(taskId: string, requestId: string): Promise<void> {
  const stub = env.TASKS.get(env.TASKS.idFromName(taskId));
  await vi.waitFor(async () => expect(await stub.waiting(requestId)).toBeGreaterThan(0), { timeout: 5_000, interval: 10 });
}

export const unique = (prefix: string) => `${prefix}${Date.now().toString(36)}${(seq++).toString(36)}`;

export async function createUser(name = unique("user")): Promise<{ user_id: string; token: string }> {
  const r = await call("POST", "/v1/admin/users", { token: ADMIN, body: { name } });
  if (r.status !== 201) throw new Error(`create user: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body.data;
}

export async function createRunner(name = unique("runner")): Promise<{ runner_id: string; token: string }> {
  const r = await call("POST", "/v1/admin/runners", { token: ADMIN, body: { name } });
  if (r.status !== 201) throw new Error(`create runner: ${r.status}`);
  return r.body.data;
}

export async function onboardRepo(repo = `acme/${unique("repo")}`, blueprint: Record<string, unknown> = {}): Promise<string> {
  const r = await call("PUT", `/v1/repos/${repo}`, { token: ADMIN, body: blueprint });
  if (r.status !== 200) throw new Error(`put repo: ${r.status} ${JSON.stringify(r.body)}`);
  return repo;
}

export async function submit(token: string, body: Record<string, unknown>): Promise<any> {
  const r = await call("POST", "/v1/tasks", { token, body });
  if (r.status !== 201) throw new Error(`submit: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body.data;
}

/** A user with a task claimed by a runner and started: ready for gate calls. */
export async function runningTask(blueprint: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) {
  const user = await createUser();
  const repo = await onboardRepo(undefined, blueprint);
  const task = await submit(user.token, { repo, description: "do the thing", ...extra });
  const taskToken = await claimTask(task.task_id);
  const started = await call("POST", `/v1/tasks/${task.task_id}/events`, { token: taskToken, body: { type: "session_started" } });
  if (started.status !== 202) throw new Error(`session_started: ${started.status} ${JSON.stringify(started.body)}`);
  return { user, repo, taskId: task.task_id as string, taskToken };
}

/** Claim exactly this task (claim loops over SUBMITTED tasks in age order; other tests' tasks may come first). */
export async function claimTask(taskId: string): Promise<string> {
  const { env } = await import("cloudflare:workers");
  const stub = env.TASKS.get(env.TASKS.idFromName(taskId));
  const r = await stub.claim("test-runner");
  if (!r.ok || !r.data) throw new Error(`claim ${taskId} failed`);
  return r.data.task_token;
}
