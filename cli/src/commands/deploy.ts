import type { Command } from "commander";
import { projectRoot } from "../deploy/manifest";
import { runDeploy } from "../deploy/run";

export function registerDeploy(program: Command): void {
  program
    .command("deploy")
    .description(
      "deploy to Cloudflare in one go: find or create the D1 database and queues, write wrangler.deploy.toml, apply migrations, set missing secrets, deploy, print the Slack manifest",
    )
    .option("--dry-run", "only print the plan (the steps and wrangler commands); works without a Cloudflare account")
    .option("--config <file>", "the wrangler.toml to deploy from (default: the checkout's)")
    .option("--url <url>", "the service's public https URL for the Slack manifest (default: the workers.dev URL wrangler reports)")
    .option("--json", "print JSON (the plan with --dry-run; else a summary)")
    .action(async (opts) => {
      await runDeploy({
        config: opts.config ?? `${projectRoot()}/wrangler.toml`,
        dryRun: Boolean(opts.dryRun),
        url: opts.url,
        json: Boolean(opts.json),
      });
    });
}
