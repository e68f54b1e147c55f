/** bgagent CLI entry. Every command: human output by default, --json for machines, exit 1 with a clear message on error. */
import { Command, CommanderError } from "commander";
import { CliError } from "./client";
import { registerAdmin } from "./commands/admin";
import { registerAgentSide } from "./commands/agent";
import { registerApprovals } from "./commands/approvals";
import { registerLogin } from "./commands/login";
import { registerPolicy } from "./commands/policy";
import { registerSlack } from "./commands/slack";
import { registerStats } from "./commands/stats";
import { registerTasks } from "./commands/tasks";

function buildProgram(): Command {
  const program = new Command();
  program
    .name("bgagent")
    .description("Control plane for background coding agents: submit tasks, answer approvals, run agents.")
    .version("0.1.0")
    .showHelpAfterError()
    .exitOverride();
  registerLogin(program);
  registerTasks(program);
  registerApprovals(program);
  registerPolicy(program);
  registerSlack(program);
  registerAgentSide(program);
  registerStats(program);
  registerAdmin(program);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv, { from: "user" });
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode;
    if (err instanceof CliError) {
      process.stderr.write(`bgagent: ${err.message}${err.code && err.code !== "ERROR" ? ` [${err.code}]` : ""}\n`);
      return 1;
    }
    process.stderr.write(`bgagent: ${(err as Error).message}\n`);
    return 1;
  }
}
