/**
 * `bgagent runner`: claims tasks, prepares a working copy and the gate's files outside it, runs
 * the agent command with an allowlisted environment (optionally sandboxed and as another user),
 * heartbeats (cancel or a refused task token -> kill the agent; denials -> the Stop hook's file), watches the gate's
 * files (any change -> kill the agent, gate_tampered, FAILED), and finishes the task by the
 * agent's exit code. One log line per state change.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { appendFileSync, cpSync, mkdirSync, realpathSync } from "node:fs";
import { homedir } from "node:os";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { CliError, Client } from "../client";
import { configPath } from "../config";
import { agentEnv } from "./agentEnv";
import { type GateFiles, Tripwire, writeGateFiles } from "./gateFiles";
import { sleep, withRetry } from "./retry";
import { type AgentUser, bwrapArgs, isUnder, lookupAgentUser, probeSandbox, type SandboxPlan } from "./sandbox";
import { freshFile, prepareWorkspace } from "./workspace";

export interface RunnerOptions {
  url: string;
  token: string;
  agent: string;
  maxTasks: number;
  workdir: string;
  repoUrlTemplate?: string;
  heartbeatS: number;
  claimWaitS: number;
  /** Extra variables the agent may see (e.g. ANTHROPIC_API_KEY); never the runner's own. */
  passEnv: string[];
  sandbox: boolean;
  agentUser?: string;
}

/** What stays the same for every task of this runner. */
interface Setup {
  root: string;
  user: AgentUser | null;
  sandbox: { userns: boolean } | null;
  /** The built hook bundle, copied into each task's runner directory. */
  hookSource: string;
}

interface ClaimedTask {
  task: { task_id: string; repo: string; description: string; issue_number: number | null; read_only: boolean };
  task_token: string;
}

const log = (msg: string, fields: Record<string, unknown> = {}) =>
  process.stderr.write(`${JSON.stringify({ ts: new Date().toISOString(), runner: msg, ...fields })}\n`);

export async function runRunner(o: RunnerOptions): Promise<void> {
  const runnerApi = new Client({ url: o.url, token: o.token });
  const user = o.agentUser ? lookupAgentUser(o.agentUser) : null;
  const setup: Setup = {
    root: resolve(o.workdir),
    user,
    sandbox: o.sandbox ? probeSandbox(user) : null,
    // The runner runs bundled as cli/dist/bgagent.mjs, next to the hook bundle.
    hookSource: fileURLToPath(new URL("./hook.mjs", import.meta.url)),
  };
  mkdirSync(setup.root, { recursive: true, mode: 0o755 });
  log("started", {
    url: o.url,
    agent: o.agent,
    max_tasks: o.maxTasks,
    sandbox: setup.sandbox,
    agent_user: user?.name ?? null,
    pass_env: o.passEnv,
  });
  let done = 0;
  let stopping = false;
  for (const sig of ["SIGINT", "SIGTERM"] as const) process.once(sig, () => (stopping = true));
  while (!stopping && done < o.maxTasks) {
    const claimed = await withRetry(
      "claim",
      () =>
        runnerApi.request<ClaimedTask>("POST", "/v1/runner/claim", {
          query: { wait: o.claimWaitS },
          timeoutMs: (o.claimWaitS + 10) * 1000,
        }),
      log,
    );
    if (claimed.status === 204 || !claimed.data) continue;
    done++;
    await runTask(o, setup, claimed.data);
  }
  log("stopped", { tasks: done });
}

async function runTask(o: RunnerOptions, setup: Setup, c: ClaimedTask): Promise<void> {
  const { task } = c;
  const api = new Client({ url: o.url, token: c.task_token });
  const path = `/v1/tasks/${task.task_id}`;
  log("claimed", { task_id: task.task_id, repo: task.repo });
  let dir: string;
  let prepared: ReturnType<typeof prepareAgent>;
  try {
    dir = prepareWorkspace(setup.root, task.task_id, task.repo, o.repoUrlTemplate);
    prepared = prepareAgent(o, setup, c, dir);
  } catch (err) {
    log("workspace_failed", { task_id: task.task_id, error: String(err) });
    await withRetry(
      "finish",
      () => api.post(`${path}/finish`, { status: "FAILED", error: `could not prepare the repository: ${String(err).slice(0, 500)}` }),
      log,
    ).catch(() => undefined);
    return;
  }
  const { gate, denialsFile, env, cmd, args } = prepared;
  await withRetry("session_started", () => api.post(`${path}/events`, { type: "session_started", metadata: { workdir: dir } }), log);
  const tripwire = new Tripwire(gate.all);
  const child = spawn(cmd, args, {
    cwd: dir,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env,
    ...(setup.user ? { uid: setup.user.uid, gid: setup.user.gid } : {}),
  });
  log("agent_started", {
    task_id: task.task_id,
    pid: child.pid,
    workdir: dir,
    sandbox: Boolean(setup.sandbox),
    agent_user: setup.user?.name ?? null,
  });
  let tail = "";
  for (const stream of [child.stdout!, child.stderr!]) {
    stream.on("data", (chunk: Buffer) => {
      const text = chunk.toString();
      tail = (tail + text).slice(-2000);
      for (const line of text.split("\n").filter(Boolean)) process.stdout.write(`[${task.task_id.slice(-6)}] ${line}\n`);
    });
  }
  const exited = new Promise<number>((resolve) => {
    child.on("exit", (code, signal) => resolve(code ?? (signal ? 128 : 1)));
    child.on("error", (err) => {
      tail = `could not start the agent: ${err.message}`;
      resolve(127);
    });
  });
  let tampered: string | null = null;
  const onTamper = (file: string) => {
    if (tampered) return;
    tampered = file;
    log("gate_tampered", { task_id: task.task_id, file });
    kill(child, "SIGKILL");
  };
  tripwire.watch(onTamper);
  let cancelled = false;
  let revoked = false;
  let running = true;
  const beat = (async () => {
    while (running) {
      await Promise.race([sleep(o.heartbeatS * 1000), exited]);
      if (!running) break;
      const changed = tripwire.check();
      if (changed) onTamper(changed);
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
          // The task token is dead (task cancelled or past its lifetime, or this runner's tokens revoked): stop the agent now.
          if (refused === "cancelled") cancelled = true;
          else revoked = true;
          log(REFUSED_LOG[refused], {
            task_id: task.task_id,
            error: (err as Error).message,
          });
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
  // A change the watcher had no time to report before the agent exited counts as much.
  const late = tripwire.check();
  tripwire.close();
  if (late) onTamper(late);
  if (tampered) {
    await reportTamper(api, path, gate, tampered);
    return;
  }
  if (!cancelled && !revoked) {
    // A cancel may have reached the agent first (its pending approval is denied at once).
    const refused = await api.post(`${path}/heartbeat`).then(() => null, tokenRefused);
    if (refused === "cancelled") {
      cancelled = true;
      log("cancel_requested", { task_id: task.task_id });
    } else if (refused) {
      revoked = true;
      log(REFUSED_LOG[refused], { task_id: task.task_id });
    }
  }
  log("agent_exited", { task_id: task.task_id, code, cancelled, revoked });
  if (cancelled || revoked) return;
  const body =
    code === 0 ? { status: "COMPLETED" } : { status: "FAILED", error: `agent exited with code ${code}: ${tail.trim().slice(-500)}` };
  try {
    await withRetry("finish", () => api.post(`${path}/finish`, body), log);
    log("finished", { task_id: task.task_id, status: body.status });
  } catch (err) {
    log("finish_failed", { task_id: task.task_id, error: (err as Error).message });
  }
}

type Refused = "cancelled" | "timed_out" | "refused";
const REFUSED_LOG: Record<Refused, string> = {
  cancelled: "cancel_requested",
  timed_out: "lifetime_exceeded",
  refused: "task_token_refused",
};

/** A 401 on a task-token call: the task was cancelled or outlived its lifetime, or the token is otherwise dead (ended, revoked). */
function tokenRefused(err: unknown): Refused | null {
  if (!(err instanceof CliError) || err.status !== 401) return null;
  return err.code === "TASK_CANCELLED" ? "cancelled" : err.code === "TASK_TIMED_OUT" ? "timed_out" : "refused";
}

/** The working copy's neighbours: the gate's files, the scratch HOME/TMPDIR, and how to start the agent. */
function prepareAgent(o: RunnerOptions, setup: Setup, c: ClaimedTask, dir: string) {
  const { task } = c;
  const runnerDir = join(setup.root, ".runner", task.task_id);
  const scratch = join(setup.root, ".scratch", task.task_id);
  const home = join(scratch, "home");
  const tmp = join(scratch, "tmp");
  for (const d of [home, tmp]) mkdirSync(d, { recursive: true, mode: 0o755 });
  // The runner appends to it, the Stop hook empties it: it lives in the runner's directory, where
  // the agent cannot swap it for a symlink to a file of the runner's.
  const denialsFile = join(runnerDir, "denials");
  const gate = writeGateFiles({
    runnerDir,
    hookSource: setup.hookSource,
    workingCopy: dir,
    home,
    pins: { node: process.execPath, url: o.url, taskId: task.task_id, repoDir: dir, denialsFile, home, tmpdir: tmp },
  });
  freshFile(denialsFile, "");
  if (setup.user) execFileSync("chown", ["-R", `${setup.user.uid}:${setup.user.gid}`, dir, scratch, denialsFile]);
  const env = agentEnv(
    process.env,
    {
      url: o.url,
      taskId: task.task_id,
      taskToken: c.task_token,
      repo: task.repo,
      prompt: task.description,
      denialsFile,
      repoDir: dir,
      claudeSettings: gate.settings,
      home,
      tmpdir: tmp,
    },
    o.passEnv,
  );
  const sh = ["sh", "-c", o.agent];
  const [cmd, ...args] = setup.sandbox
    ? ["bwrap", ...bwrapArgs(sandboxPlan(setup, { dir, scratch, runnerDir, home, gate, denialsFile }), sh)]
    : sh;
  return { gate, denialsFile, env, cmd, args };
}

/** The gate was changed under the agent: say so (Slack, GitHub) and end the task FAILED. */
async function reportTamper(api: Client, path: string, gate: GateFiles, file: string): Promise<void> {
  const what = gate.labels[file] ?? basename(file);
  const message = `The agent changed its gate (${what}); the runner stopped it.`;
  try {
    await withRetry("gate_tampered", () => api.post(`${path}/events`, { type: "gate_tampered", metadata: { file: what, message } }), log);
    await withRetry("finish", () => api.post(`${path}/finish`, { status: "FAILED", error: `gate_tampered: ${message}` }), log);
    log("finished", { path, status: "FAILED", reason: "gate_tampered" });
  } catch (err) {
    log("finish_failed", { path, error: (err as Error).message });
  }
}

/** What the sandbox shows the agent of this machine (see sandbox.ts). */
function sandboxPlan(
  setup: Setup,
  t: { dir: string; scratch: string; runnerDir: string; home: string; gate: GateFiles; denialsFile: string },
): SandboxPlan {
  const hide = [homedir(), dirname(configPath()), setup.root, "/tmp", "/var/tmp"];
  // The hooks run this node: keep it visible if it lives in a hidden place (e.g. nvm under HOME).
  const nodePrefix = dirname(dirname(realpathSync(process.execPath)));
  // So does bgagent's own install (the agent command may run a script shipped with it, as the tests
  // do from a checkout under /tmp). Both are bound read-only: the sandbox root stays read-only.
  const install = realpathSync(fileURLToPath(new URL("../..", import.meta.url)));
  const binds: SandboxPlan["binds"] = [nodePrefix, install]
    .filter((p, i, all) => all.indexOf(p) === i && hide.some((h) => isUnder(p, h)) && !isUnder(setup.root, p))
    .map((p) => ({ src: p, dest: p }));
  // The working copy's .claude/ as the runner left it (its settings.local.json ours), read-only:
  // the agent can neither edit it nor add a settings.json there.
  const claudeDir = join(t.runnerDir, "claude");
  cpSync(join(t.dir, ".claude"), claudeDir, { recursive: true });
  binds.push(
    { src: t.runnerDir, dest: t.runnerDir },
    { src: claudeDir, dest: join(t.dir, ".claude") },
    { src: t.gate.settings, dest: join(t.home, ".claude", "settings.json") },
    { src: t.denialsFile, dest: t.denialsFile, writable: true },
  );
  return { userns: setup.sandbox!.userns, hide, writable: [t.dir, t.scratch], binds, cwd: t.dir };
}

function kill(child: ChildProcess, signal: "SIGTERM" | "SIGKILL" = "SIGTERM"): void {
  try {
    process.kill(-child.pid!, signal);
  } catch {
    return;
  }
  if (signal === "SIGKILL") return;
  setTimeout(() => {
    try {
      process.kill(-child.pid!, "SIGKILL");
    } catch {
      // already gone
    }
  }, 5000).unref();
}
