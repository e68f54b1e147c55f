import type { Command } from "commander";
import { CliError } from "../client";
import { loadConfig } from "../config";
import { demoAgent } from "../demoAgent";
import { checkPassEnv } from "../runner/agentEnv";
import { runRunner } from "../runner/runner";

export function registerAgentSide(program: Command): void {
  program
    .command("runner")
    .description("claim tasks and run an agent on each, gated by bgagent (needs a runner token)")
    .requiredOption(
      "--agent <command>",
      `agent command, run with sh in the working copy; e.g. 'claude -p "$BGAGENT_PROMPT" --settings "$BGAGENT_CLAUDE_SETTINGS"' or 'npx bgagent demo-agent'`,
    )
    .option("--max-tasks <n>", "stop after this many tasks (default: no limit)", Number)
    .option("--workdir <dir>", "where working copies go", ".bgagent-work")
    .option("--repo-url-template <t>", "clone URL; {repo}, {owner}, {name} are replaced (e.g. git@github.com:{repo}.git)")
    .option("--heartbeat <s>", "seconds between heartbeats", Number, 10)
    .option("--claim-wait <s>", "long-poll seconds per claim", Number, 25)
    .option(
      "--pass-env <name>",
      "also give the agent this variable of the runner's environment (repeatable), e.g. ANTHROPIC_API_KEY",
      (v: string, acc: string[]) => [...acc, v],
      [] as string[],
    )
    .option(
      "--sandbox",
      "run the agent under bubblewrap: read-only system, only the working copy and a temp dir writable, the runner's HOME and config hidden (Linux)",
    )
    .option("--agent-user <name>", "run the agent as this unprivileged user (the runner must be root)")
    .action(async (opts) => {
      const cfg = loadConfig();
      // Read once, kept in memory: no child of the runner inherits it, even by accident.
      delete process.env.BGAGENT_TOKEN;
      if (!cfg)
        throw new CliError("no service URL/token: set BGAGENT_URL and BGAGENT_TOKEN (a runner token), or bgagent login", "NOT_LOGGED_IN");
      await runRunner({
        url: cfg.url,
        token: cfg.token,
        agent: opts.agent,
        maxTasks: opts.maxTasks ?? Number.POSITIVE_INFINITY,
        workdir: opts.workdir,
        repoUrlTemplate: opts.repoUrlTemplate,
        heartbeatS: opts.heartbeat,
        claimWaitS: opts.claimWait,
        passEnv: checkPassEnv(opts.passEnv),
        sandbox: Boolean(opts.sandbox),
        agentUser: opts.agentUser,
      });
    });

  program
    .command("demo-agent")
    .description("a scripted agent for trying bgagent without Claude Code (run it under `bgagent runner`)")
    .action(async () => {
      process.exitCode = await demoAgent();
    });

  program
    .command("hook")
    .description("Claude Code hooks: `hook pre-tool-use` and `hook stop` (they read the hook JSON on stdin)")
    .argument("<which>", "pre-tool-use | stop");
}
