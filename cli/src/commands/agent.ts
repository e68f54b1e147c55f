import type { Command } from "commander";
import { CliError } from "../client";
import { loadConfig } from "../config";
import { demoAgent } from "../demoAgent";
import { runRunner } from "../runner/runner";

export function registerAgentSide(program: Command): void {
  program
    .command("runner")
    .description("claim tasks and run an agent on each, gated by bgagent (needs a runner token)")
    .requiredOption("--agent <command>", `agent command, run with sh in the working copy; e.g. 'claude -p "$BGAGENT_PROMPT"' or 'npx bgagent demo-agent'`)
    .option("--max-tasks <n>", "stop after this many tasks (default: no limit)", Number)
    .option("--workdir <dir>", "where working copies go", ".bgagent-work")
    .option("--repo-url-template <t>", "clone URL; {repo}, {owner}, {name} are replaced (e.g. git@github.com:{repo}.git)")
    .option("--heartbeat <s>", "seconds between heartbeats", Number, 10)
    .option("--claim-wait <s>", "long-poll seconds per claim", Number, 25)
    .action(async (opts) => {
      const cfg = loadConfig();
      if (!cfg) throw new CliError("no service URL/token: set BGAGENT_URL and BGAGENT_TOKEN (a runner token), or bgagent login", "NOT_LOGGED_IN");
      await runRunner({
        url: cfg.url,
        token: cfg.token,
        agent: opts.agent,
        maxTasks: opts.maxTasks ?? Number.POSITIVE_INFINITY,
        workdir: opts.workdir,
        repoUrlTemplate: opts.repoUrlTemplate,
        heartbeatS: opts.heartbeat,
        claimWaitS: opts.claimWait,
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
