/** A working copy per task (the gate's settings are written by gateFiles.ts). */
import { execFileSync } from "node:child_process";
import { lstatSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { LIMITS } from "../../../src/shared/limits";

/** Longest approval window plus margin: Claude Code lets the call through when a hook times out. */
export const PRE_TOOL_USE_TIMEOUT_S = LIMITS.approvalTimeoutS.max + 60;

/** `{repo}`, `{owner}` and `{name}` in the template become the task's repo parts. */
const repoUrl = (template: string, repo: string) => {
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
  return dir;
}

/**
 * The repo is agent-written content: a committed `.claude` may be a symlink to anywhere, and the
 * runner (maybe root) would write through it. Make `path` a real directory.
 */
export function realDir(path: string): void {
  try {
    const st = lstatSync(path);
    if (st.isDirectory()) return;
    rmSync(path, { force: true });
  } catch {
    // absent
  }
  mkdirSync(path, { recursive: true });
}

/** A new file, never written through whatever was at `path` before (a symlink included). */
export function freshFile(path: string, text: string): void {
  rmSync(path, { force: true, recursive: true });
  writeFileSync(path, text, { flag: "wx" });
}
