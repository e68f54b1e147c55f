/**
 * `bgagent demo-agent`: a scripted agent that speaks Claude Code's hook protocol (it runs the
 * PreToolUse hook with the same JSON on stdin) and walks a realistic path: read, edit, test, then a
 * force push to main, which needs a human. Approved: it pushes (when the working copy has a remote)
 * and reports that as a milestone; it opens no pull request, so it never reports one. Denied: it
 * reports the reason back and stops there.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Client } from "./client";
import { hookEnv } from "./hook/gateClient";
import { withRetry } from "./runner/retry";
import { PRE_TOOL_USE_TIMEOUT_S } from "./runner/workspace";

interface Decision {
  allow: boolean;
  reason: string;
}

const say = (m: string) => process.stdout.write(`demo-agent: ${m}\n`);

/** The PreToolUse command of the settings the runner wrote, as Claude Code would run it. */
function preToolUseCommand(): string {
  return JSON.parse(readFileSync(process.env.BGAGENT_CLAUDE_SETTINGS!, "utf8")).hooks.PreToolUse[0].hooks[0].command;
}

function askHook(tool_name: string, tool_input: Record<string, unknown>): Decision {
  const payload = {
    session_id: "demo",
    transcript_path: "",
    cwd: process.cwd(),
    permission_mode: "default",
    hook_event_name: "PreToolUse",
    tool_name,
    tool_input,
  };
  const r = spawnSync("sh", ["-c", preToolUseCommand()], {
    input: JSON.stringify(payload),
    encoding: "utf8",
    timeout: PRE_TOOL_USE_TIMEOUT_S * 1000,
  });
  try {
    const out = JSON.parse(r.stdout).hookSpecificOutput;
    return { allow: out.permissionDecision === "allow", reason: out.permissionDecisionReason };
  } catch {
    return { allow: false, reason: `hook gave no decision: ${r.stderr}` };
  }
}

export async function demoAgent(): Promise<number> {
  const env = hookEnv();
  if (!env || !process.env.BGAGENT_CLAUDE_SETTINGS) {
    process.stderr.write(
      "demo-agent runs under `bgagent runner` (needs BGAGENT_URL, BGAGENT_TASK_ID, BGAGENT_TASK_TOKEN, BGAGENT_CLAUDE_SETTINGS)\n",
    );
    return 2;
  }
  const { url, taskId, token } = env;
  const client = new Client({ url, token });
  const report = (type: string, metadata: Record<string, unknown>) =>
    withRetry(
      type,
      () => client.post(`/v1/tasks/${taskId}/events`, { type, metadata }),
      (m) => say(m),
    );
  say(`task: ${process.env.BGAGENT_PROMPT ?? "(none)"}`);
  const cwd = process.cwd();

  const read = askHook("Read", { file_path: join(cwd, "README.md") });
  say(`Read README.md -> ${read.allow ? "allowed" : `denied: ${read.reason}`}`);
  const edit = askHook("Write", { file_path: join(cwd, "src", "fix.ts"), content: "export const fixed = true;\n" });
  if (edit.allow) {
    mkdirSync(join(cwd, "src"), { recursive: true });
    writeFileSync(join(cwd, "src", "fix.ts"), "export const fixed = true;\n");
  }
  say(`Write src/fix.ts -> ${edit.allow ? "written" : `denied: ${edit.reason}`}`);
  const test = askHook("Bash", { command: "npm test -- --run", description: "Run the tests" });
  say(`Bash npm test -> ${test.allow ? "allowed (tests pass)" : `denied: ${test.reason}`}`);

  say("Bash git push --force origin main -> asking the gate (a human must approve)...");
  const push = askHook("Bash", { command: "git push --force origin main", description: "Publish the fix" });
  if (!push.allow) {
    say(`push denied: ${push.reason}`);
    await report("agent_milestone", { milestone: "push_denied", reason: push.reason.slice(0, 500) });
    return 0;
  }
  say(`push approved: ${push.reason}`);
  if (!existsSync(join(cwd, ".git")) || spawnSync("git", ["remote", "get-url", "origin"]).status !== 0) {
    say("no git remote here: nothing pushed (a demo; it opens no pull request)");
    await report("agent_milestone", { milestone: "push_skipped", reason: "no git remote" });
    return 0;
  }
  const git = (...args: string[]) =>
    execFileSync("git", ["-c", "user.name=bgagent demo", "-c", "user.email=demo@bgagent.local", ...args], { stdio: "pipe" });
  git("add", "src/fix.ts");
  git("commit", "--quiet", "-m", "Fix the flaky test (bgagent demo)");
  git("push", "--quiet", "--force", "origin", "HEAD:main");
  const commit = git("rev-parse", "--short", "HEAD").toString().trim();
  say(`pushed ${commit} to origin/main (a demo: no pull request)`);
  await report("agent_milestone", { milestone: "pushed", commit, ref: "main" });
  return 0;
}
