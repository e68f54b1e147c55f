import { readFileSync } from "node:fs";
import type { Command } from "commander";
import { CliError } from "../client";
import { client, parseRepoRef } from "../context";
import { emit } from "../output";
import { registerSlackAdmin } from "./slack";

export function registerAdmin(program: Command): void {
  const admin = program.command("admin").description("administration (needs the admin token)");
  registerSlackAdmin(admin);

  for (const kind of ["user", "runner"] as const) {
    const create = admin
      .command(`create-${kind}`)
      .description(`create a ${kind} and print its token (shown once)`)
      .argument("<name>", `${kind} name`)
      .option("--json", "print JSON");
    if (kind === "runner")
      create.option("--repos <globs...>", "only take tasks of repos matching these globs on owner/name, e.g. 'acme/*'");
    create.action(async (name: string, opts) => {
      const r = await client().post<Record<string, string>>(`/v1/admin/${kind}s`, opts.repos ? { name, repos: opts.repos } : { name });
      const limits = opts.repos ? `\nTakes only tasks of: ${(opts.repos as string[]).join(", ")}` : "";
      emit(opts, r, () => `Created ${kind} ${r[`${kind}_id`]} (${name}).${limits}\nToken (shown once): ${r.token}`);
    });
    admin
      .command(`revoke-${kind}`)
      .description(`revoke every token of a ${kind}`)
      .argument("<id>", `${kind} id`)
      .option("--json", "print JSON")
      .action(async (id: string, opts) => {
        const c = client();
        const r = (await c.request<{ revoked: number }>("DELETE", `/v1/admin/${kind}s/${encodeURIComponent(id)}/tokens`)).data!;
        emit(opts, r, () => `Revoked ${r.revoked} token(s).`);
      });
  }

  admin
    .command("put-repo")
    .description("onboard a repo, or replace its blueprint")
    .argument("<repo>", "owner/repo")
    .option("--blueprint <file>", "blueprint JSON file (policies, disabled rules, gate cap, ...)")
    .option("--json", "print JSON")
    .action(async (ref: string, opts) => {
      const { repo } = parseRepoRef(ref);
      let blueprint: unknown = {};
      if (opts.blueprint) {
        try {
          blueprint = JSON.parse(readFileSync(opts.blueprint, "utf8"));
        } catch (err) {
          throw new CliError(`cannot read blueprint ${opts.blueprint}: ${(err as Error).message}`, "USAGE");
        }
      }
      const c = client();
      const r = (await c.request<{ repo: string }>("PUT", `/v1/repos/${repo}`, { body: blueprint })).data!;
      emit(opts, r, () => `Repo ${r.repo} onboarded.`);
    });
}
