/** A working copy per task (the gate's settings are written by gateFiles.ts). */
import { execFileSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { LIMITS } from "../../../src/shared/limits";

/** Longest approval window plus margin: Claude Code lets the call through when a hook times out. */
export const PRE_TOOL_USE_TIMEOUT_S = LIMITS.approvalTimeoutS.max + 60;

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
  mkdirSync(join(dir, ".bgagent"), { recursive: true });
  return dir;
}
