/** bgagent CLI entry. Every command: human output by default, --json for machines, exit 1 with a clear message on error. */
import { Command, CommanderError } from "commander";
import { CliError } from "./client";
import { registerAdmin } from "./commands/admin";
import { registerAgentSide } from "./commands/agent";
import { registerApprovals } from "./commands/approvals";
import { registerDeploy } from "./commands/deploy";
import { registerLogin } from "./commands/login";
import { registerPolicy } from "./commands/policy";
import { registerSlack } from "./commands/slack";
import { registerStats } from "./commands/stats";
import { registerTasks } from "./commands/tasks";

function buildProgram(json: boolean): Command {
  const program = new Command();
  program
    .name("bgagent")
    .description("Control plane for background coding agents: submit tasks, answer approvals, run agents.")
    .version("0.1.0")
    .showHelpAfterError(!json)
    .exitOverride();
  // Under --json a usage error is reported once, as the error envelope (main), not as text.
  if (json) program.configureOutput({ outputError: () => {} });
  registerLogin(program);
  registerTasks(program);
  registerApprovals(program);
  registerPolicy(program);
  registerSlack(program);
  registerAgentSide(program);
  registerStats(program);
  registerAdmin(program);
  registerDeploy(program);
  return program;
}

/** The service's error envelope, so a script reading --json output gets errors in the same shape. */
function jsonError(code: string, message: string, status?: number): void {
  process.stdout.write(`${JSON.stringify({ error: { code, message, ...(status ? { status } : {}) } }, null, 2)}\n`);
}

export async function main(argv: string[]): Promise<number> {
  const json = argv.includes("--json");
  try {
    await buildProgram(json).parseAsync(argv, { from: "user" });
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end with exit code 0 and are not errors.
      if (json && err.exitCode !== 0) jsonError("USAGE", err.message.replace(/^error: /, ""));
      return err.exitCode;
    }
    if (json) {
      if (err instanceof CliError) jsonError(err.code, err.message, err.status);
      else jsonError("ERROR", (err as Error).message);
      return 1;
    }
    if (err instanceof CliError) {
      process.stderr.write(`bgagent: ${err.message}${err.code && err.code !== "ERROR" ? ` [${err.code}]` : ""}\n`);
      return 1;
    }
    process.stderr.write(`bgagent: ${(err as Error).message}\n`);
    return 1;
  }
}
