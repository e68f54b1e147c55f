/**
 * The App Home tab: link status (and how to link), pending approvals with the same buttons as the
 * thread cards, active tasks with Cancel, the last finished ones. Pure; every list is capped so
 * the view stays far below Slack's 100 blocks, and every text a user or agent wrote is escaped
 * and truncated.
 */
import type { ApprovalSummary, DeciderRole } from "../../shared/approval";
import { truncate } from "../../shared/redact";
import type { TaskStatus } from "../../shared/taskStatus";
import { visible } from "../../shared/visible";
import { cancelTaskActionId } from "../actionIds";
import { approvalButtons } from "./approvalCard";
import { type Block, button, context, esc, section } from "./format";
import { codeChunks, escCapped } from "./inputText";

/** A task as the home lists it (a D1 row). */
export interface HomeTask {
  id: string;
  repo: string;
  issue_number: number | null;
  description: string;
  status: TaskStatus;
  updated_at: string;
  pr_url: string | null;
}

export type HomeData =
  | { linked: false }
  | { linked: true; user_id: string; pending: Array<ApprovalSummary & { role: DeciderRole }>; active: HomeTask[]; finished: HomeTask[] };

/** Caps per list: 2 blocks per approval, 1 per task; with headers the view stays under 60 blocks. */
export const HOME_LIMITS = { pending: 10, active: 15, finished: 5 } as const;

const header = (text: string): Block => ({ type: "header", text: { type: "plain_text", text } });

const STATUS_EMOJI: Record<TaskStatus, string> = {
  SUBMITTED: ":inbox_tray:",
  HYDRATING: ":package:",
  RUNNING: ":hourglass_flowing_sand:",
  AWAITING_APPROVAL: ":lock:",
  FINALIZING: ":hourglass:",
  COMPLETED: ":white_check_mark:",
  FAILED: ":x:",
  CANCELLED: ":no_entry_sign:",
  TIMED_OUT: ":hourglass:",
};

const repoOf = (t: HomeTask) => `\`${t.repo}${t.issue_number ? `#${t.issue_number}` : ""}\``;
const slackDate = (iso: string) => `<!date^${Math.floor(Date.parse(iso) / 1000)}^{date_short_pretty} {time}|${iso}>`;
/** One line of a task: status, repo, the start of its text (user text: escaped, one line, short). */
const taskLine = (t: HomeTask, chars: number) =>
  `${STATUS_EMOJI[t.status]} *${t.status}* ${repoOf(t)} — ${esc(truncate(t.description.replace(/\s+/g, " "), chars))}`;

export const NOT_LINKED_TEXT = [
  ":link: *Your Slack account is not linked to a bgagent user yet.*",
  "1. Run `/bgagent link` (in any channel, or in this app's Messages tab).",
  "2. Run the `bgagent slack link CODE` command it prints in your terminal, logged in with `bgagent login`.",
  "Then open this tab again: your pending approvals and tasks show up here.",
].join("\n");

function approvalBlocks(a: ApprovalSummary & { role: DeciderRole }, approvable: readonly string[]): Block[] {
  const effects = a.effects.length ? `\n:warning: ${escCapped(a.effects.join(" · "), 300)}` : "";
  // The agent's input as on the card: escaped, no way out of the code block, short (a list preview).
  const [preview] = codeChunks(visible(a.tool_input_preview), 1, 600);
  const expires = `<!date^${Math.floor(Date.parse(a.expires_at) / 1000)}^{time}|${a.expires_at}>`;
  const as = a.role === "approver" ? " · _as approver_" : "";
  const text = `:lock: *${escCapped(a.tool_name, 100)}* for \`${a.repo}\`${as} · _${a.severity}_ · times out ${expires}${effects}\n${preview.text}`;
  const decide = approvable.includes(a.severity)
    ? approvalButtons({ task_id: a.task_id }, a)
    : context(`:shield: ${a.severity}-severity gate — decide from the CLI: \`bgagent approve ${a.task_id} ${a.request_id}\``);
  return [section(text), decide];
}

function activeBlock(t: HomeTask): Block {
  return {
    ...section(`${taskLine(t, 80)}\n_ID:_ \`${t.id}\` · updated ${slackDate(t.updated_at)}`),
    accessory: button("Cancel", cancelTaskActionId(t.id), {
      style: "danger",
      confirm: { title: "Cancel task?", text: "This will stop the running agent.", yes: "Cancel", no: "Keep running" },
    }),
  };
}

const finishedLine = (t: HomeTask) =>
  `${taskLine(t, 60)}${t.pr_url && /^https:\/\/[^\s<>|&]+$/.test(t.pr_url) ? ` · <${t.pr_url}|PR>` : ""} · ${slackDate(t.updated_at)}`;

/** `notice`: the answer to the person's last click here (the home has no ephemeral messages). */
export function homeView(d: HomeData, approvable: readonly string[], notice?: string): Record<string, unknown> {
  const blocks: Block[] = [header("bgagent")];
  if (notice) blocks.push(context(notice));
  if (!d.linked) {
    blocks.push(section(NOT_LINKED_TEXT));
    return { type: "home", blocks };
  }
  blocks.push(context(`:white_check_mark: Linked to bgagent user \`${d.user_id}\` · \`/bgagent help\` for commands`));

  blocks.push(header(`Pending approvals (${d.pending.length})`));
  if (!d.pending.length) blocks.push(context("Nothing is waiting for you."));
  for (const a of d.pending.slice(0, HOME_LIMITS.pending)) blocks.push(...approvalBlocks(a, approvable));
  if (d.pending.length > HOME_LIMITS.pending)
    blocks.push(context(`…and ${d.pending.length - HOME_LIMITS.pending} more: \`bgagent pending\` lists them all.`));

  blocks.push({ type: "divider" }, header(`Active tasks (${d.active.length})`));
  if (!d.active.length) blocks.push(context("No task is running. `/bgagent submit` starts one."));
  for (const t of d.active.slice(0, HOME_LIMITS.active)) blocks.push(activeBlock(t));
  if (d.active.length > HOME_LIMITS.active)
    blocks.push(context(`…and ${d.active.length - HOME_LIMITS.active} more: \`bgagent list\` shows them all.`));

  blocks.push({ type: "divider" }, header("Recently finished"));
  const finished = d.finished.slice(0, HOME_LIMITS.finished);
  blocks.push(finished.length ? section(finished.map(finishedLine).join("\n")) : context("Nothing finished yet."));
  return { type: "home", blocks };
}
