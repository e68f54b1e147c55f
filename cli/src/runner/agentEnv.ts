/**
 * The agent's environment is an allowlist: what the agent and its hooks need for this one task,
 * plus names the operator passes on purpose (`--pass-env ANTHROPIC_API_KEY`). Nothing else of
 * the runner's environment reaches the agent, least of all the runner's own credential.
 */
import { CliError } from "../client";

/** Taken from the runner's environment as they are: the agent's shell needs them to work at all. */
const BASE_NAMES = ["PATH", "LANG", "TERM"] as const;

export interface TaskEnv {
  url: string;
  taskId: string;
  taskToken: string;
  repo: string;
  prompt: string;
  denialsFile: string;
  /** The working copy's absolute path as the agent sees it (the hook resolves paths against it). */
  repoDir: string;
  /** Claude Code settings with the hooks, outside the working copy: `claude --settings "$BGAGENT_CLAUDE_SETTINGS"`. */
  claudeSettings: string;
  home: string;
  tmpdir: string;
}

/** A `--pass-env` name must be a plain variable name and never one of the runner's own. */
export function checkPassEnv(names: string[]): string[] {
  for (const n of names) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(n)) throw new CliError(`--pass-env ${JSON.stringify(n)} is not a variable name`, "USAGE");
    if (n.startsWith("BGAGENT_"))
      throw new CliError(`--pass-env ${n}: BGAGENT_* variables are the runner's; the agent gets its own task's values`, "USAGE");
  }
  return names;
}

export function agentEnv(runnerEnv: NodeJS.ProcessEnv, t: TaskEnv, passEnv: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const n of [...BASE_NAMES, ...checkPassEnv(passEnv)]) {
    const v = runnerEnv[n];
    if (v !== undefined) out[n] = v;
  }
  return {
    ...out,
    HOME: t.home,
    TMPDIR: t.tmpdir,
    BGAGENT_URL: t.url,
    BGAGENT_TASK_ID: t.taskId,
    BGAGENT_TASK_TOKEN: t.taskToken,
    BGAGENT_REPO: t.repo,
    BGAGENT_PROMPT: t.prompt,
    BGAGENT_DENIALS_FILE: t.denialsFile,
    BGAGENT_REPO_DIR: t.repoDir,
    BGAGENT_CLAUDE_SETTINGS: t.claudeSettings,
  };
}
