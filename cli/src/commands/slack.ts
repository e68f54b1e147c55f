import type { Command } from "commander";
import { client, parseRepoRef } from "../context";
import { emit } from "../output";

export function registerSlack(program: Command): void {
  const slack = program.command("slack").description("Slack account and channel settings");
  slack
    .command("link")
    .description("link your Slack account (get the code with /bgagent link in Slack)")
    .argument("<code>", "the 6-character code")
    .option("--json", "print JSON")
    .action(async (code: string, opts) => {
      const r = await client().post<{ slack_user_id: string }>("/v1/slack/link", { code });
      emit(opts, r, () => `Linked Slack user ${r.slack_user_id} to your bgagent account.`);
    });
}

export function registerSlackAdmin(admin: Command): void {
  admin
    .command("set-channel-repo")
    .description("default repo for mentions in a Slack channel")
    .argument("<channel_id>", "Slack channel id, e.g. C0123ABCD")
    .argument("<repo>", "owner/repo")
    .option("--json", "print JSON")
    .action(async (channel: string, ref: string, opts) => {
      const { repo } = parseRepoRef(ref);
      const r = (await client().request<{ channel_id: string; repo: string }>("PUT", `/v1/slack/channels/${encodeURIComponent(channel)}`, { body: { repo } })).data!;
      emit(opts, r, () => `Mentions in ${r.channel_id} now default to ${r.repo}.`);
    });
}
