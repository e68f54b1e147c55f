/**
 * `bgagent runner`: claims tasks, prepares a gated working copy, runs the agent command with the
 * BGAGENT_* environment, heartbeats (cancel or a refused task token -> kill the agent; denials ->
 * the Stop hook's file), and finishes the task by the agent's exit code. One log line per state change.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { appendFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { CliError, Client } from "../client";
import { sleep, withRetry } from "./retry";
import { prepareWorkspace } from "./workspace";

export interface RunnerOptions {
  url: string;
  token: string;
  agent: string;
  maxTasks: number;
  workdir: string;
  repoUrlTemplate?: string;
  heartbeatS: number;
  claimWaitS: number;
}

interface ClaimedTask {
  task: { task_id: string; repo: string; description: string; issue_number: number | null; read_only: boolean };
  task_token: string;
}

const log = (msg: string, fields: Record<string, unknown> = {}) =>
  process.stderr.write(`${JSON.stringify({ ts: new Date().toISOString(), runner: msg, ...fields })}\n`);

export async function runRunner(o: RunnerOptions): Promise<void> {
  const runnerApi = new Client({ url: o.url, token: o.token });
  log("started", { url: o.url, agent: o.agent, max_tasks: o.maxTasks });
  let done = 0;
  let stopping = false;
  for (const sig of ["SIGINT", "SIGTERM"] as const) process.once(sig, () => (stopping = true));
  while (!stopping && done < o.maxTasks) {
    const claimed = await withRetry("claim", () => runnerApi.request<ClaimedTask>("POST", "/v1/runner/claim", { query: { wait: o.claimWaitS }, timeoutMs: (o.claimWaitS + 10) * 1000 }), log);
    if (claimed.status === 204 || !claimed.data) continue;
    done++;
    await runTask(o, claimed.data);
  }
  log("stopped", { tasks: done });
}

async function runTask(o: RunnerOptions, c: ClaimedTask): Promise<void> {
  const { task } = c;
  const api = new Client({ url: o.url, token: c.task_token });
  const path = `/v1/tasks/${task.task_id}`;
  log("claimed", { task_id: task.task_id, repo: task.repo });
  let dir: string;
  try {
    dir = prepareWorkspace(o.workdir, task.task_id, task.repo, o.repoUrlTemplate);
  } catch (err) {
    log("workspace_failed", { task_id: task.task_id, error: String(err) });
    await withRetry("finish", () => api.post(`${path}/finish`, { status: "FAILED", error: `could not prepare the repository: ${String(err).slice(0, 500)}` }), log).catch(() => undefined);
    return;
  }
  await withRetry("session_started", () => api.post(`${path}/events`, { type: "session_started", metadata: { workdir: dir } }), log);
  const denialsFile = join(dir, ".bgagent", "denials");
  writeFileSync(denialsFile, "");
  const child = spawn("sh", ["-c", o.agent], {
    cwd: dir,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: {
      ...process.env,
      BGAGENT_URL: o.url,
      BGAGENT_TASK_ID: task.task_id,
      BGAGENT_TASK_TOKEN: c.task_token,
      BGAGENT_REPO: task.repo,
      BGAGENT_PROMPT: task.description,
      BGAGENT_DENIALS_FILE: denialsFile,
    },
  });
  log("agent_started", { task_id: task.task_id, pid: child.pid, workdir: dir });
  let tail = "";
  for (const stream of [child.stdout!, child.stderr!]) {
    stream.on("data", (chunk: Buffer) => {
      const text = chunk.toString();
      tail = (tail + text).slice(-2000);
      for (const line of text.split("\n").filter(Boolean)) process.stdout.write(`[${task.task_id.slice(-6)}] ${line}\n`);
    });
  }
  const exited = new Promise<number>((resolve) => child.on("exit", (code, signal) => resolve(code ?? (signal ? 128 : 1))));
  let cancelled = false;
  let revoked = false;
  let running = true;
  const beat = (async () => {
    while (running) {
      await Promise.race([sleep(o.heartbeatS * 1000), exited]);
      if (!running) break;
      try {
        const hb = await api.post<{ cancel_requested: boolean; denials: string[] }>(`${path}/heartbeat`);
        if (hb.denials.length) appendFileSync(denialsFile, hb.denials.map((d) => `${d}\n\u0000\n`).join(""));
        if (hb.cancel_requested && !cancelled) {
          cancelled = true;
          log("cancel_requested", { task_id: task.task_id });
          kill(child);
        }
      } catch (err) {
        const refused = tokenRefused(err);
        if (refused && !cancelled && !revoked) {
          // The task token is dead (task cancelled, or this runner's tokens revoked): stop the agent now.
          if (refused === "cancelled") cancelled = true;
          else revoked = true;
          log(refused === "cancelled" ? "cancel_requested" : "task_token_refused", { task_id: task.task_id, error: (err as Error).message });
          kill(child);
        } else if (!refused) {
          log("heartbeat_failed", { task_id: task.task_id, error: (err as Error).message });
        }
      }
    }
  })();
  const code = await exited;
  running = false;
  await beat;
  if (!cancelled && !revoked) {
    // A cancel may have reached the agent first (its pending approval is denied at once).
    const refused = await api.post(`${path}/heartbeat`).then(() => null, tokenRefused);
    if (refused === "cancelled") {
      cancelled = true;
      log("cancel_requested", { task_id: task.task_id });
    } else if (refused) {
      revoked = true;
      log("task_token_refused", { task_id: task.task_id });
    }
  }
  log("agent_exited", { task_id: task.task_id, code, cancelled, revoked });
  if (cancelled || revoked) return;
  const body = code === 0 ? { status: "COMPLETED" } : { status: "FAILED", error: `agent exited with code ${code}: ${tail.trim().slice(-500)}` };
  try {
    await withRetry("finish", () => api.post(`${path}/finish`, body), log);
    log("finished", { task_id: task.task_id, status: body.status });
  } catch (err) {
    log("finish_failed", { task_id: task.task_id, error: (err as Error).message });
  }
}

/** A 401 on a task-token call: the task was cancelled, or the token is otherwise dead (ended, revoked). */
function tokenRefused(err: unknown): "cancelled" | "refused" | null {
  if (!(err instanceof CliError) || err.status !== 401) return null;
  return err.code === "TASK_CANCELLED" ? "cancelled" : "refused";
}

function kill(child: ChildProcess): void {
  try {
    process.kill(-child.pid!, "SIGTERM");
  } catch {
    return;
  }
  setTimeout(() => {
    try {
      process.kill(-child.pid!, "SIGKILL");
    } catch {
      // already gone
    }
  }, 5000).unref();
}
