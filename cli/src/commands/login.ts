import type { Command } from "commander";
import { Client } from "../client";
import { saveConfig } from "../config";
import { emit } from "../output";

export function registerLogin(program: Command): void {
  program
    .command("login")
    .description("store the service URL and your token (checked against the service first)")
    .requiredOption("--url <url>", "service URL, e.g. http://127.0.0.1:8787")
    .requiredOption("--token <token>", "your bgagent token (bgu_..., or the admin token)")
    .option("--json", "print JSON")
    .action(async (opts: { url: string; token: string; json?: boolean }) => {
      const url = new URL(opts.url).toString();
      const c = new Client({ url, token: opts.token });
      await c.get("/v1/repos"); // proves URL and token before saving them
      const path = saveConfig({ url, token: opts.token });
      emit(opts, { url, config: path }, () => `Logged in to ${url} (saved in ${path}).`);
    });
}
