/** A working copy per task, with Claude Code hook settings so an agent run there is gated. */
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { LIMITS } from "../../../src/shared/limits";

/** Longest approval window plus margin: Claude Code lets the call through when a hook times out. */
export const PRE_TOOL_USE_TIMEOUT_S = LIMITS.approvalTimeoutS.max + 60;

export const hookCommand = (which: "pre-tool-use" | "stop") =>
  `node ${JSON.stringify(fileURLToPath(new URL("../bin/bgagent.mjs", import.meta.url)))} hook ${which}`;

export function claudeSettings(): Record<string, unknown> {
  return {
    hooks: {
      PreToolUse: [{ matcher: "*", hooks: [{ type: "command", command: hookCommand("pre-tool-use"), timeout: PRE_TOOL_USE_TIMEOUT_S }] }],
      Stop: [{ hooks: [{ type: "command", command: hookCommand("stop"), timeout: 30 }] }],
    },
  };
}

/** `{repo}`, `{owner}` and `{name}` in the template become the task's repo parts. */
export const repoUrl = (template: string, repo: string) => {
  const [owner, name] = repo.split("/");
  return template.replaceAll("{repo}", repo).replaceAll("{owner}", owner).replaceAll("{name}", name);
};

export function prepareWorkspace(root: string, taskId: string, repo: string, template: string | undefined): string {
  const dir = join(root, taskId);
  mkdirSync(root, { recursive: true });
  if (template) {
    execFileSync("git", ["clone", "--quiet", repoUrl(template, repo), dir], { stdio: ["ignore", "ignore", "pipe"] });
  } else {
    mkdirSync(dir, { recursive: true });
    execFileSync("git", ["init", "--quiet", dir]);
  }
  mkdirSync(join(dir, ".claude"), { recursive: true });
  writeFileSync(join(dir, ".claude", "settings.local.json"), `${JSON.stringify(claudeSettings(), null, 2)}\n`);
  mkdirSync(join(dir, ".bgagent"), { recursive: true });
  return dir;
}
