/**
 * Slack: thread replies under the task's root message, reactions on the root that follow the
 * task (eyes -> hourglass -> outcome), and the progress messages deleted when the task ends so the
 * thread closes on the outcome. Approval cards (thread, DM, approval channel) and the outcome DM
 * of tasks from outside Slack: slackRouting.ts.
 */
import type { Env } from "../env";
import type { EventType, TerminalEventType } from "../shared/events";
import { log } from "../shared/log";
import { type Outcome, skipped } from "../shared/outcome";
import type { DispatchMessage } from "../shared/types";
import { SlackApi } from "../slack/api";
import { agentError, gateTampered, type SlackMessage, sessionStarted, taskCreated, terminal } from "../slack/blocks/taskMessages";
import { findDelivery } from "../store/deliveries";
import { dmOutcome, editCards, fitted, postCards } from "./slackRouting";

const FINAL_REACTION: Record<TerminalEventType, string> = {
  task_completed: "white_check_mark",
  task_failed: "x",
  task_cancelled: "no_entry_sign",
  task_timed_out: "hourglass",
  task_stranded: "x",
};
const isTerminal = (type: EventType): type is TerminalEventType => type in FINAL_REACTION;

/**
 * The name of what an event produces in the thread, recorded with its delivery so later events
 * can find it (the card to edit, the progress messages to delete, the first outcome).
 */
const SLACK_REF: Record<EventType, ((metadata: Record<string, unknown>) => string) | null> = {
  task_created: () => "created",
  session_started: () => "session",
  approval_requested: (m) => `approval:${String(m.request_id ?? "")}`,
  agent_error: () => "agent_error",
  task_completed: () => "terminal",
  task_failed: () => "terminal",
  task_cancelled: () => "terminal",
  task_timed_out: () => "terminal",
  task_stranded: () => "terminal",
  pre_approvals_loaded: null,
  hydration_started: null,
  agent_milestone: null,
  pr_created: null,
  gate_tampered: null,
  task_token_revoked: null,
  gate_denied: null,
  approval_cap_exceeded: null,
  approval_rate_limit_exceeded: null,
  approval_timeout_capped: null,
  approval_decision_recorded: null,
  approval_granted: null,
  approval_denied: null,
  approval_timed_out: null,
  approval_cancelled: null,
  approval_stranded: null,
};

export const slackRef = (type: EventType, metadata: Record<string, unknown>): string | null => SLACK_REF[type]?.(metadata) ?? null;

/** Events that close an approval: the card is edited to say how. */
const DECIDED = new Set<EventType>([
  "approval_granted",
  "approval_denied",
  "approval_timed_out",
  "approval_cancelled",
  "approval_stranded",
]);

class Thread {
  constructor(
    readonly api: SlackApi,
    readonly channel: string,
    readonly rootTs: string,
    readonly taskId: string,
  ) {}

  async post(m: SlackMessage): Promise<string> {
    const r = await this.api.call("chat.postMessage", {
      channel: this.channel,
      thread_ts: this.rootTs,
      ...this.fit(m),
      unfurl_links: false,
    });
    return String(r.ts);
  }

  fit(m: SlackMessage): { text: string; blocks?: unknown[] } {
    return fitted(this.taskId, m);
  }

  /** Reactions and deletions are cosmetic: a failure is logged, never a reason to post twice. */
  async bestEffort(what: string, fn: () => Promise<unknown>): Promise<void> {
    try {
      await fn();
    } catch (err) {
      log("dispatch.slack.cosmetic_failed", { task_id: this.taskId, what, error: String(err) }, "warn");
    }
  }

  react(add: string, remove: string[] = []): Promise<void> {
    return this.bestEffort(`react ${add}`, async () => {
      for (const name of remove) await this.api.call("reactions.remove", { channel: this.channel, timestamp: this.rootTs, name });
      await this.api.call("reactions.add", { channel: this.channel, timestamp: this.rootTs, name: add });
    });
  }
}

export async function slackDispatcher(msg: DispatchMessage, env: Env): Promise<Outcome> {
  const { task, event } = msg;
  const meta = task.channel_metadata;
  if (!env.SLACK_BOT_TOKEN) return skipped("SLACK_BOT_TOKEN is not set");
  const api = new SlackApi(env.SLACK_BOT_TOKEN, env.SLACK_API_BASE_URL);
  const type = event.event_type;
  // Approval cards go wherever a human can answer them (thread, owner's DM, approval channel).
  if (type === "approval_requested") return postCards(msg, env, api);
  if (DECIDED.has(type)) return editCards(msg, env, api);
  if (!meta.slack_channel_id || !meta.slack_thread_ts) {
    return isTerminal(type) ? dmOutcome(msg, env, api) : skipped("task has no Slack thread");
  }
  const thread = new Thread(api, meta.slack_channel_id, meta.slack_thread_ts, task.task_id);
  const sent = (ts: string): Outcome => ({ result: "sent", slack_channel: thread.channel, slack_ts: ts });

  // A progress message that arrives after the outcome (out-of-order delivery) has nothing left to say.
  if ((type === "task_created" || type === "session_started") && (await findDelivery(env.DB, task.task_id, "slack", "terminal"))) {
    return skipped("the task already ended");
  }
  // (The :eyes: reaction is added by the mention handler the moment the message arrives.)
  if (type === "task_created") return sent(await thread.post(taskCreated(task)));
  if (type === "session_started") {
    const ts = await thread.post(sessionStarted(task));
    await thread.react("hourglass_flowing_sand", ["eyes"]);
    return sent(ts);
  }
  if (type === "agent_error") {
    if (await findDelivery(env.DB, task.task_id, "slack", "agent_error")) return skipped("only the first agent_error is posted");
    return sent(await thread.post(agentError(task, event)));
  }
  if (isTerminal(type)) {
    if (await findDelivery(env.DB, task.task_id, "slack", "terminal")) return skipped("the task's outcome was already posted");
    const ts = await thread.post(terminal(task, event));
    await thread.react(FINAL_REACTION[type], ["eyes", "hourglass_flowing_sand"]);
    for (const ref of ["created", "session"]) {
      const d = await findDelivery(env.DB, task.task_id, "slack", ref);
      if (d?.slack_ts)
        await thread.bestEffort(`delete ${ref}`, () => thread.api.call("chat.delete", { channel: thread.channel, ts: d.slack_ts }));
    }
    return sent(ts);
  }
  if (type === "gate_tampered") return sent(await thread.post(gateTampered(task, event)));
  return skipped(`no Slack message for ${type}`);
}
