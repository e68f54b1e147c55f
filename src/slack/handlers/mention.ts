/**
 * `@bgagent owner/repo#42 fix the flaky test` in a channel, or a DM to the bot: submit a task for
 * the linked user; replies go in the message's thread. Retried deliveries are processed once.
 */
import type { Env } from "../../env";
import { AppError } from "../../shared/errors";
import { LIMITS } from "../../shared/limits";
import { log } from "../../shared/log";
import { channelRepo } from "../../store/channels";
import { claimSlackEvent, finishSlackEvents, linkedUser } from "../../store/slackLinks";
import { submitTask } from "../../task/service";
import { decodeSlackText, withoutBotMention } from "../markup";
import { parseMention } from "../parse";
import { botApi, threadReply } from "../reply";
import { TEXT } from "../texts";

export interface MentionEvent {
  event_id: string;
  team_id: string;
  user?: string;
  bot_id?: string;
  subtype?: string;
  text?: string;
  channel: string;
  ts: string;
  thread_ts?: string;
  /** The bot's own user id, from the event envelope's `authorizations`. */
  bot_user_id?: string;
}

export async function handleMention(env: Env, e: MentionEvent): Promise<void> {
  if (e.bot_id || e.subtype || !e.user) return; // bots, ourselves, edits and joins
  // Both keys: Slack may deliver the same message as app_mention and as message.im, and retries reuse event_id.
  const keys = [`event:${e.event_id}`, `msg:${e.channel}:${e.ts}`];
  if (!(await claimSlackEvent(env.DB, keys[0])) || !(await claimSlackEvent(env.DB, keys[1]))) return;
  let ok = false;
  try {
    await submitFromSlack(env, e);
    ok = true;
  } finally {
    await finishSlackEvents(env.DB, keys, ok);
  }
}

async function submitFromSlack(env: Env, e: MentionEvent): Promise<void> {
  const root = e.thread_ts ?? e.ts;
  await botApi(env)
    .call("reactions.add", { channel: e.channel, timestamp: root, name: "eyes" })
    .catch(() => undefined);
  const fail = (text: string) => threadReply(env, e.channel, root, text, { from: "eyes", to: "x" });

  const userId = await linkedUser(env.DB, e.team_id, e.user!);
  if (!userId) return fail(TEXT.notLinked);
  const parsed = parseMention(decodeSlackText(withoutBotMention(e.text ?? "", e.bot_user_id)));
  const repo = parsed.repo ?? (await channelRepo(env.DB, e.channel));
  if (!repo) return fail(TEXT.noRepo);
  if (!parsed.description) return fail(TEXT.noDescription);
  try {
    const task = await submitTask(
      env,
      userId,
      {
        repo,
        description: parsed.description.slice(0, LIMITS.descriptionChars),
        issue_number: parsed.issue_number ?? undefined,
        read_only: false,
        initial_approvals: [],
      },
      {
        channel_source: "slack",
        channel_metadata: { slack_team_id: e.team_id, slack_channel_id: e.channel, slack_user_id: e.user!, slack_thread_ts: root },
      },
    );
    log("slack.task_submitted", { task_id: task.task_id, channel: e.channel });
  } catch (err) {
    if (err instanceof AppError) return fail(TEXT.failed(err.message));
    throw err;
  }
}
