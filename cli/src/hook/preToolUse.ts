/**
 * Claude Code PreToolUse command hook: asks the bgagent gate about one tool call and prints
 * Claude Code's decision JSON. Every failure prints a deny and exits 0: Claude Code lets a tool
 * call through when a hook crashes or times out, so this hook must never do either.
 */
import { isAbsolute, relative, sep } from "node:path";
import { api, type HookEnv, HttpError, hookEnv, readStdin } from "./gateClient";

interface HookInput {
  cwd?: string;
  hook_event_name?: string;
  tool_name?: string;
  tool_input?: Record<string, unknown>;
}

interface GateAnswer {
  outcome: "allow" | "deny" | "require_approval";
  reason: string;
  request_id?: string;
  expires_at?: string;
}

interface ApprovalAnswer {
  outcome: "allow" | "deny" | "pending";
  reason: string;
  expires_at: string;
}

const PATH_FIELDS = ["file_path", "notebook_path", "path"];

/** Claude Code passes absolute paths: make those inside the working copy relative to it. */
export function relativise(input: Record<string, unknown>, cwd: string): Record<string, unknown> {
  const out = { ...input };
  for (const f of PATH_FIELDS) {
    const v = out[f];
    if (typeof v !== "string" || !isAbsolute(v)) continue;
    const rel = relative(cwd, v);
    if (rel && !rel.startsWith(`..${sep}`) && rel !== ".." && !isAbsolute(rel)) out[f] = rel.split(sep).join("/");
  }
  return out;
}

/**
 * Where the call runs, so the gate resolves paths and `cd` as the shell will: the agent's cwd (from
 * Claude Code), the working copy (BGAGENT_REPO_DIR, set by the runner; else the cwd), HOME, TMPDIR.
 */
export function callContext(cwd: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  const dir = cwd ?? process.cwd();
  const put = (k: string, v: string | undefined) => {
    if (v && isAbsolute(v)) out[k] = v;
  };
  put("cwd", dir);
  put("repo_dir", process.env.BGAGENT_REPO_DIR || dir);
  put("home", process.env.HOME);
  put("tmpdir", process.env.TMPDIR);
  return out;
}

export const decision = (permissionDecision: "allow" | "deny", reason: string) =>
  JSON.stringify({
    hookSpecificOutput: { hookEventName: "PreToolUse", permissionDecision, permissionDecisionReason: reason.slice(0, 1000) },
  });

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Wait for the human, re-polling the long-poll; transient failures retry until the deadline. */
async function awaitDecision(env: HookEnv, rid: string, expiresAt: string): Promise<{ allow: boolean; reason: string }> {
  const deadline = Date.parse(expiresAt) + 15_000;
  let failures = 0;
  while (Date.now() < deadline) {
    try {
      const a = await api<ApprovalAnswer>(env, "GET", `/v1/tasks/${env.taskId}/approvals/${rid}?wait=25`);
      failures = 0;
      if (a.outcome !== "pending") return { allow: a.outcome === "allow", reason: a.reason };
    } catch (err) {
      if (err instanceof HttpError && err.status >= 400 && err.status < 500 && err.status !== 429) {
        return { allow: false, reason: `fail-closed: approval lookup failed (${err.message})` };
      }
      failures++;
      await sleep(Math.min(10_000, 500 * 2 ** failures));
    }
  }
  return { allow: false, reason: `fail-closed: no decision for request ${rid} before it expired` };
}

/** How long to keep trying while the service refuses connections (a restart); BGAGENT_HOOK_CONNECT_RETRY_S, default 30. */
function refusedRetryMs(): number {
  const s = Number(process.env.BGAGENT_HOOK_CONNECT_RETRY_S || NaN);
  return (s >= 0 ? s : 30) * 1000;
}

async function retryRefused<T>(fn: () => Promise<T>): Promise<T> {
  const end = Date.now() + refusedRetryMs();
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      const code = (err as { cause?: { code?: string } }).cause?.code;
      if (code !== "ECONNREFUSED" || Date.now() > end) throw err;
      await sleep(Math.min(5000, 250 * 2 ** attempt));
    }
  }
}

export async function gateToolCall(input: HookInput, env: HookEnv | null): Promise<{ allow: boolean; reason: string }> {
  if (!env) return { allow: false, reason: "fail-closed: BGAGENT_URL, BGAGENT_TASK_ID and BGAGENT_TASK_TOKEN must be set" };
  if (typeof input.tool_name !== "string" || !input.tool_input || typeof input.tool_input !== "object") {
    return { allow: false, reason: "fail-closed: hook input has no tool_name/tool_input" };
  }
  const toolInput = relativise(input.tool_input, input.cwd ?? process.cwd());
  let g: GateAnswer;
  try {
    // No ?wait here: all waiting happens on the approval long-poll, which is safe to repeat across
    // service restarts. The gate call itself is retried only while the service refuses connections
    // (the request cannot have been processed then).
    g = await retryRefused(() =>
      api<GateAnswer>(env, "POST", `/v1/tasks/${env.taskId}/gate`, {
        tool_name: input.tool_name,
        tool_input: toolInput,
        context: callContext(input.cwd),
      }),
    );
  } catch (err) {
    return { allow: false, reason: `fail-closed: bgagent gate unavailable (${(err as Error).message})` };
  }
  if (g.outcome === "allow") return { allow: true, reason: g.reason };
  if (g.outcome === "deny") return { allow: false, reason: g.reason };
  if (!g.request_id || !g.expires_at) return { allow: false, reason: "fail-closed: approval without a request id" };
  return awaitDecision(env, g.request_id, g.expires_at);
}

export async function preToolUse(): Promise<void> {
  let out: { allow: boolean; reason: string };
  try {
    const raw = await readStdin();
    out = await gateToolCall(JSON.parse(raw) as HookInput, hookEnv());
  } catch (err) {
    out = { allow: false, reason: `fail-closed: ${(err as Error).message}` };
  }
  process.stdout.write(`${decision(out.allow ? "allow" : "deny", out.reason)}\n`);
}
