/** Thread messages for task events (texts follow the AWS twin, reference §9.3). Pure functions. */

import { truncate } from "../../shared/redact";
import type { TaskEvent, TaskView } from "../../shared/types";
import { cancelTaskActionId } from "../actionIds";
import { BUDGET, cutMrkdwn } from "./budget";
import { agentLink, agentText, type Block, button, esc, formatDuration, linkable, section } from "./format";

export interface SlackMessage {
  text: string;
  blocks: Block[];
}

const repo = (t: TaskView) => `\`${t.repo}${t.issue_number ? `#${t.issue_number}` : ""}\``;
/** The fallback text is the section's, cut alike (notifications show it). */
const msg = (text: string, blocks: Block[] = [section(text)]): SlackMessage => ({ text: cutMrkdwn(text, BUDGET.sectionText), blocks });

export function taskCreated(t: TaskView): SlackMessage {
  return msg(`:rocket: *Task submitted* for ${repo(t)}\n${esc(truncate(t.description, 200))}\n_ID:_ \`${t.task_id}\``);
}

export function sessionStarted(t: TaskView): SlackMessage {
  const text = `:hourglass_flowing_sand: Agent started working on ${repo(t)}`;
  return msg(text, [
    section(text),
    {
      type: "actions",
      block_id: `task:${t.task_id}`,
      elements: [
        button("Cancel Task", cancelTaskActionId(t.task_id), {
          style: "danger",
          confirm: { title: "Cancel task?", text: "This will stop the running agent.", yes: "Cancel", no: "Keep running" },
        }),
      ],
    },
  ]);
}

/**
 * The task's outcome, and with it its pull request when it opened one: the one Slack message about
 * the PR (there is no separate pr_created post). A task that failed or was cancelled after opening a
 * PR still links it, since the PR is there to look at.
 */
export function terminal(t: TaskView, e: TaskEvent): SlackMessage {
  const m = outcome(t, e);
  if (!t.pr_url) return m;
  const n = /\/pull\/(\d+)/.exec(t.pr_url)?.[1];
  // The PR line is kept whole; the outcome gives way if the two would pass the text's budget.
  const prLine = `\nPull request: ${agentLink(t.pr_url)}`;
  const text = `${cutMrkdwn(m.text, BUDGET.messageText - prLine.length)}${prLine}`;
  if (!linkable(t.pr_url)) return { text, blocks: m.blocks };
  return {
    text,
    blocks: [
      ...m.blocks,
      {
        type: "actions",
        elements: [button(n ? `View PR #${n}` : "View PR", `view_pr:${t.task_id}`, { style: "primary", url: t.pr_url })],
      },
    ],
  };
}

function outcome(t: TaskView, e: TaskEvent): SlackMessage {
  const m = e.metadata;
  const dur = typeof m.duration_s === "number" ? formatDuration(m.duration_s) : null;
  switch (e.event_type) {
    case "task_completed": {
      const cost = typeof t.cost_usd === "number" ? ` · $${t.cost_usd.toFixed(2)}` : "";
      return msg(`:white_check_mark: *Task completed* for ${repo(t)}${dur ? `\n${dur}${cost}` : ""}`);
    }
    case "task_failed":
      return msg(
        `:x: *Task failed* for ${repo(t)}\n_Reason:_ ${agentText(truncate(t.error_message ?? String(m.error_message ?? "Unknown error"), 300))}`,
      );
    case "task_cancelled":
      return msg(`:no_entry_sign: Task cancelled for ${repo(t)}\n_ID:_ \`${t.task_id}\``);
    case "task_timed_out":
      return msg(`:hourglass: *Task timed out* for ${repo(t)}${dur ? ` after ${dur}` : ""}`);
    default:
      return msg(
        `:warning: *Task stranded* for ${repo(t)}${m.prior_status ? ` (last status: ${esc(truncate(String(m.prior_status), 40))})` : ""}`,
      );
  }
}

export function agentError(t: TaskView, e: TaskEvent): SlackMessage {
  const type = typeof e.metadata.error_type === "string" ? `\n_Type:_ ${agentText(truncate(e.metadata.error_type, 100))}` : "";
  const preview = typeof e.metadata.message_preview === "string" ? `\n${agentText(truncate(e.metadata.message_preview, 200))}` : "";
  return msg(`:rotating_light: *Agent error* during ${repo(t)}${type}${preview}`);
}

export function gateTampered(t: TaskView, e: TaskEvent): SlackMessage {
  const file = typeof e.metadata.file === "string" ? ` (${agentText(truncate(e.metadata.file, 100))})` : "";
  return msg(
    `:rotating_light: *Gate tampered with* during ${repo(t)}: the agent changed its hook files${file}. The runner stopped it; the task fails.`,
  );
}
