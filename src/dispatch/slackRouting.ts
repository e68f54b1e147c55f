/**
 * Where an approval card goes in Slack, wherever the task came from: the task's thread (tasks
 * submitted from Slack), else a DM from the bot to the owner (when linked); and the repo's approval
 * channel (blueprint `approval_channel`) for its approvers. Every copy is recorded
 * (store/approvalCards.ts): a retried dispatch posts only the missing ones, and the outcome edits
 * them all. Tasks from outside Slack also get their outcome as one DM.
 */
import type { Env } from "../env";
import { PermanentError } from "../shared/channelErrors";
import { log } from "../shared/log";
import { type Outcome, skipped } from "../shared/outcome";
import type { DispatchMessage, TaskView } from "../shared/types";
import type { SlackApi } from "../slack/api";
import { type ApprovalOutcome, approvableSeverities, approvalCard, decidedCard, requestedOf } from "../slack/blocks/approvalCard";
import { fitOrText } from "../slack/blocks/budgetCheck";
import { withTaskLine } from "../slack/blocks/routed";
import { type SlackMessage, terminal } from "../slack/blocks/taskMessages";
import { type CardPlaceName, type PostedCard, postedCards, recordPostedCard } from "../store/approvalCards";
import { approvalWithInput } from "../store/approvals";
import { findDelivery } from "../store/deliveries";
import { getRepo } from "../store/repos";
import { slackUserOf } from "../store/slackLinks";

const NOBODY = "nobody to tell in Slack (no thread, owner not linked, no approval channel)";

export type CardPlace =
  | { place: "thread"; channel: string; thread_ts: string }
  | { place: "dm"; slack_user: string }
  | { place: "channel"; channel: string };

/**
 * Where a task's approval cards go. Pure. `ownerSlackUser`: the owner's linked Slack user (only
 * read for tasks without a thread); `approvalChannel`: the repo's, if any. A thread already in
 * the approval channel is not doubled by a second card there.
 */
export function cardPlaces(task: TaskView, ownerSlackUser: string | null, approvalChannel: string | null): CardPlace[] {
  const m = task.channel_metadata;
  const places: CardPlace[] = [];
  if (task.channel_source === "slack" && m.slack_channel_id && m.slack_thread_ts) {
    places.push({ place: "thread", channel: m.slack_channel_id, thread_ts: m.slack_thread_ts });
  } else if (ownerSlackUser) {
    places.push({ place: "dm", slack_user: ownerSlackUser });
  }
  if (approvalChannel && approvalChannel !== m.slack_channel_id) places.push({ place: "channel", channel: approvalChannel });
  return places;
}

const hasThread = (task: TaskView) => Boolean(task.channel_metadata.slack_channel_id && task.channel_metadata.slack_thread_ts);

/** The owner's Slack user, for tasks that have no thread to post in. */
const ownerSlackUser = (env: Env, task: TaskView): Promise<string | null> =>
  hasThread(task) ? Promise.resolve(null) : slackUserOf(env.DB, task.user_id, task.channel_metadata.slack_team_id);

/** Where the task's cards go now (the owner's link and the repo's approval channel as they stand). */
async function placesNow(env: Env, task: TaskView): Promise<CardPlace[]> {
  const [owner, repo] = await Promise.all([ownerSlackUser(env, task), getRepo(env.DB, task.repo)]);
  return cardPlaces(task, owner, repo?.blueprint.approval_channel ?? null);
}

/** The bot's DM channel with a Slack user (`conversations.open` answers the same channel every time). */
async function openDm(api: SlackApi, slackUser: string): Promise<string> {
  const r = await api.call("conversations.open", { users: slackUser });
  const id = (r.channel as { id?: unknown } | undefined)?.id;
  if (typeof id !== "string" || !id) throw new PermanentError("slack conversations.open: no channel id in the answer");
  return id;
}

/** A Slack mention for a platform user when they have linked Slack, else their id. */
async function who(env: Env, task: TaskView, userId: string): Promise<string> {
  const slackUser = await slackUserOf(env.DB, userId, task.channel_metadata.slack_team_id);
  return slackUser ? `<@${slackUser}>` : `\`${userId}\``;
}

/** The message as shown in `place`: outside the thread it names its task (and, in the channel, its owner). */
async function framed(env: Env, task: TaskView, place: CardPlaceName, m: SlackMessage): Promise<SlackMessage> {
  if (place === "thread") return m;
  return withTaskLine(m, task, place === "channel" ? await who(env, task, task.user_id) : undefined);
}

/**
 * approval_requested: post the card in each place it has not reached yet. A place Slack refuses for
 * good (bot not in the channel, ...) is logged and skipped; the others still get their card.
 */
export async function postCards(msg: DispatchMessage, env: Env, api: SlackApi): Promise<Outcome> {
  const { task, event } = msg;
  const rid = String(event.metadata.request_id ?? "");
  // The queue message stays small; the whole input comes from D1, which the outbox wrote first.
  // Independent reads, at once: a card is what a human is waiting for.
  const [places, a, posted] = await Promise.all([placesNow(env, task), approvalWithInput(env.DB, rid), postedCards(env.DB, rid)]);
  // Recorded as sent even with nowhere to post, so the outcome's edit finds the card settled (no ts) and skips.
  if (places.length === 0) return { result: "sent", detail: NOBODY };
  if (!a || a.task_id !== task.task_id) return { result: "retry", detail: `approval ${rid} not recorded yet`, retryAfterS: 5 };
  const done = new Map(posted.map((c) => [c.place, c]));
  const card = approvalCard(task, requestedOf(a), approvableSeverities(env));
  const refused: string[] = [];
  for (const p of places) {
    if (done.has(p.place)) continue;
    try {
      const channel = p.place === "dm" ? await openDm(api, p.slack_user) : p.channel;
      const m = await framed(env, task, p.place, card);
      const r = await api.call("chat.postMessage", {
        channel,
        ...(p.place === "thread" ? { thread_ts: p.thread_ts } : {}),
        ...fitted(task.task_id, m),
        unfurl_links: false,
      });
      const posted: PostedCard = { place: p.place, slack_channel: String(r.channel ?? channel), slack_ts: String(r.ts) };
      await recordPostedCard(env.DB, rid, posted);
      done.set(p.place, posted);
    } catch (err) {
      if (!(err instanceof PermanentError)) throw err;
      log("dispatch.slack.card_refused", { task_id: task.task_id, request_id: rid, place: p.place, error: err.message }, "warn");
      refused.push(`${p.place}: ${err.message}`);
    }
  }
  const first = places.map((p) => done.get(p.place)).find(Boolean);
  if (!first) return { result: "dropped", detail: refused.join("; ") };
  return {
    result: "sent",
    slack_channel: first.slack_channel,
    slack_ts: first.slack_ts,
    detail: `card in ${[...done.keys()].join(", ")}${refused.length ? `; refused ${refused.join("; ")}` : ""}`,
  };
}

/** The approval closed: edit every copy of its card. A decision that overtakes its card waits (retry) for the card. */
export async function editCards(msg: DispatchMessage, env: Env, api: SlackApi): Promise<Outcome> {
  const { task } = msg;
  const rid = String(msg.event.metadata.request_id ?? "");
  let [cards, a] = await Promise.all([postedCards(env.DB, rid), approvalWithInput(env.DB, rid)]);
  if (cards.length === 0) {
    const requested = await findDelivery(env.DB, task.task_id, "slack", `approval:${rid}`);
    if (!requested) {
      // With nowhere to post there is no card to wait for (the common case of an unlinked CLI user).
      if ((await placesNow(env, task)).length === 0) return skipped(NOBODY);
      return { result: "retry", detail: `card for ${rid} not posted yet`, retryAfterS: 5 };
    }
    if (!requested.slack_channel || !requested.slack_ts) return skipped(`card for ${rid} was never posted (${requested.status})`);
    // A card posted before each copy was recorded: the one in the thread.
    cards = [{ place: "thread", slack_channel: requested.slack_channel, slack_ts: requested.slack_ts }];
  }
  if (!a) return { result: "retry", detail: `approval ${rid} not recorded yet`, retryAfterS: 5 };
  const at = a.decided_at ?? msg.event.created_at;
  const by = a.decided_by ? await who(env, task, a.decided_by) : "";
  const role = a.decided_role ?? undefined;
  const outcome: ApprovalOutcome =
    a.status === "APPROVED"
      ? { status: "APPROVED", by, role, at, scope: a.scope ?? "this_call" }
      : a.status === "DENIED"
        ? { status: "DENIED", by, role, at, reason: a.deny_reason ?? "" }
        : { status: a.status === "PENDING" ? "TIMED_OUT" : a.status, at };
  const decided = decidedCard(task, requestedOf(a), outcome);
  for (const c of cards) {
    const m = await framed(env, task, c.place, decided);
    try {
      await api.call("chat.update", { channel: c.slack_channel, ts: c.slack_ts, ...fitted(task.task_id, m) });
    } catch (err) {
      // One copy gone (deleted, channel archived) must not keep the others unedited.
      if (!(err instanceof PermanentError)) throw err;
      log("dispatch.slack.card_edit_refused", { task_id: task.task_id, request_id: rid, place: c.place, error: err.message }, "warn");
    }
  }
  return {
    result: "sent",
    slack_channel: cards[0].slack_channel,
    slack_ts: cards[0].slack_ts,
    detail: `card ${a.status} in ${cards.length}`,
  };
}

/** A task from outside Slack ended: one DM to its owner with the outcome (the first terminal event only). */
export async function dmOutcome(msg: DispatchMessage, env: Env, api: SlackApi): Promise<Outcome> {
  const { task, event } = msg;
  if (task.channel_source === "slack") return skipped("task has no Slack thread");
  if (await findDelivery(env.DB, task.task_id, "slack", "terminal")) return skipped("the task's outcome was already posted");
  const slackUser = await slackUserOf(env.DB, task.user_id, undefined);
  if (!slackUser) return skipped("the owner has not linked Slack");
  const channel = await openDm(api, slackUser);
  const m = withTaskLine(terminal(task, event), task);
  const r = await api.call("chat.postMessage", { channel, ...fitted(task.task_id, m), unfurl_links: false });
  return { result: "sent", slack_channel: String(r.channel ?? channel), slack_ts: String(r.ts) };
}

/** The message, or its text alone when its blocks would be refused (budgetCheck.ts); logged. */
export function fitted(taskId: string, m: SlackMessage): { text: string; blocks?: unknown[] } {
  const { problems, ...fit } = fitOrText(m);
  if (problems.length) log("dispatch.slack.over_budget", { task_id: taskId, problems: problems.slice(0, 10) }, "error");
  return fit;
}
