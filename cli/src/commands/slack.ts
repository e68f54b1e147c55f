import type { Command } from "commander";
import { CliError } from "../client";
import { client, parseRepoRef } from "../context";
import { readManifestTemplate, renderManifest, slackBaseUrl } from "../deploy/manifest";
import { emit } from "../output";

export function registerSlack(program: Command): void {
  const slack = program.command("slack").description("Slack account and channel settings");
  slack
    .command("link")
    .description("link your Slack account (get the code with /bgagent link in Slack)")
    .argument("<code>", "the 10-character code")
    .option("--json", "print JSON")
    .action(async (code: string, opts) => {
      const r = await client().post<{ slack_user_id: string }>("/v1/slack/link", { code });
      emit(opts, r, () => `Linked Slack user ${r.slack_user_id} to your bgagent account.`);
    });
  slack
    .command("manifest")
    .description("print the Slack app manifest (YAML) with this deployment's request URLs, for api.slack.com/apps")
    .requiredOption("--url <url>", "where the Worker answers, e.g. https://bgagent.<account>.workers.dev")
    .option("--json", "print JSON ({url, manifest})")
    .action(async (opts) => {
      const manifest = renderManifest(readManifestTemplate(), opts.url);
      emit(opts, { url: slackBaseUrl(opts.url), manifest }, () => manifest.trimEnd());
    });
  slack
    .command("unlink")
    .description("remove the link between your Slack account and your bgagent user")
    .option("--json", "print JSON")
    .action(async (opts) => {
      const r = (await client().request<{ unlinked: number }>("DELETE", "/v1/slack/link")).data!;
      emit(opts, r, () => (r.unlinked ? `Unlinked ${r.unlinked} Slack account(s).` : "No Slack account was linked."));
    });
}

export function registerSlackAdmin(admin: Command): void {
  admin
    .command("unlink-slack")
    .description("unlink a Slack account (e.g. of someone who left): by Slack user id, or every link of a bgagent user")
    .argument("[slack_user_id]", "Slack user id, e.g. U0123ABCD")
    .option("--user <user_id>", "unlink every Slack account of this bgagent user instead")
    .option("--team <team_id>", "only the link in this Slack workspace")
    .option("--json", "print JSON")
    .action(async (slackUserId: string | undefined, opts) => {
      if (!slackUserId === !opts.user) throw new CliError("give a Slack user id or --user <user_id> (one of them)", "USAGE");
      const path = opts.user
        ? `/v1/admin/users/${encodeURIComponent(opts.user)}/slack-links`
        : `/v1/admin/slack-links/${encodeURIComponent(slackUserId!)}${opts.team ? `?team_id=${encodeURIComponent(opts.team)}` : ""}`;
      const r = (await client().request<{ unlinked: number }>("DELETE", path)).data!;
      emit(opts, r, () => `Unlinked ${r.unlinked} Slack account(s).`);
    });

  admin
    .command("set-channel-repo")
    .description("default repo for mentions in a Slack channel")
    .argument("<channel_id>", "Slack channel id, e.g. C0123ABCD")
    .argument("<repo>", "owner/repo")
    .option("--json", "print JSON")
    .action(async (channel: string, ref: string, opts) => {
      const { repo } = parseRepoRef(ref);
      const r = (
        await client().request<{ channel_id: string; repo: string }>("PUT", `/v1/slack/channels/${encodeURIComponent(channel)}`, {
          body: { repo },
        })
      ).data!;
      emit(opts, r, () => `Mentions in ${r.channel_id} now default to ${r.repo}.`);
    });
}
