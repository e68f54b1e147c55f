import { readFileSync } from "node:fs";
import type { Command } from "commander";
import { CliError } from "../client";
import { client, parseRepoRef } from "../context";
import { ago, emit, table } from "../output";
import { registerSlackAdmin } from "./slack";

/** A row of GET /v1/admin/users or /v1/admin/runners. */
interface Principal {
  user_id?: string;
  runner_id?: string;
  name: string;
  created_at: string;
  active_tokens: number;
  repos?: string[] | null;
}

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
    .description("onboard a repo; with --blueprint, set or replace its blueprint (without it an existing repo is left as it is)")
    .argument("<repo>", "owner/repo")
    .option("--blueprint <file>", "blueprint JSON file (policies, disabled rules, gate cap, approvers, ...)")
    .option("--json", "print JSON")
    .action(async (ref: string, opts) => {
      const { repo } = parseRepoRef(ref);
      const c = client();
      if (!opts.blueprint) {
        // Onboard only (If-None-Match: *): an existing repo keeps its blueprint rather than being reset to the defaults.
        try {
          const r = (await c.request<{ repo: string }>("PUT", `/v1/repos/${repo}`, { body: {}, headers: { "if-none-match": "*" } })).data!;
          return emit(opts, { ...r, created: true }, () => `Repo ${r.repo} onboarded with the default blueprint.`);
        } catch (err) {
          if (!(err instanceof CliError && err.status === 409)) throw err;
          return emit(
            opts,
            { repo, created: false, blueprint_kept: true },
            () => `Repo ${repo} is already onboarded; its blueprint was kept (give --blueprint FILE to replace it).`,
          );
        }
      }
      let blueprint: unknown;
      try {
        blueprint = JSON.parse(readFileSync(opts.blueprint, "utf8"));
      } catch (err) {
        throw new CliError(`cannot read blueprint ${opts.blueprint}: ${(err as Error).message}`, "USAGE");
      }
      const r = (await c.request<{ repo: string }>("PUT", `/v1/repos/${repo}`, { body: blueprint })).data!;
      emit(opts, r, () => `Repo ${r.repo} onboarded; blueprint set from ${opts.blueprint}.`);
    });

  admin
    .command("users")
    .description("list users")
    .option("--json", "print JSON")
    .action(async (opts) => {
      const r = await client().get<{ users: Principal[] }>("/v1/admin/users");
      emit(opts, r, () =>
        r.users.length === 0
          ? "No users yet (admin create-user <name>)."
          : table([
              ["USER", "NAME", "TOKENS", "CREATED"],
              ...r.users.map((u) => [u.user_id!, u.name, String(u.active_tokens), ago(u.created_at)]),
            ]),
      );
    });

  admin
    .command("runners")
    .description("list runners and the repos each may take")
    .option("--json", "print JSON")
    .action(async (opts) => {
      const r = await client().get<{ runners: Principal[] }>("/v1/admin/runners");
      emit(opts, r, () =>
        r.runners.length === 0
          ? "No runners yet (admin create-runner <name>)."
          : table([
              ["RUNNER", "NAME", "TOKENS", "CREATED", "REPOS"],
              ...r.runners.map((u) => [
                u.runner_id!,
                u.name,
                String(u.active_tokens),
                ago(u.created_at),
                u.repos ? u.repos.join(" ") : "any",
              ]),
            ]),
      );
    });
}
