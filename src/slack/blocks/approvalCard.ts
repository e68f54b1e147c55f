/**
 * The approval card posted in the task's thread, and its edited form after the outcome.
 * Buttons are UX, not authorisation: the click handler re-checks everything server-side.
 */
import type { TaskView } from "../../shared/types";
import type { ApprovalRecord } from "../../task/approvalRecord";
import { type Block, button, context, esc, formatDuration, section, trunc } from "./format";
import type { SlackMessage } from "./taskMessages";

type CardTask = Pick<TaskView, "task_id" | "repo">;

export interface ApprovalRequested {
  request_id: string;
  tool_name: string;
  input_preview: string;
  reason: string;
  severity: string;
  timeout_s: number;
  expires_at: string;
  matching_rule_ids: string[];
}

/** The card's view of a stored approval record. */
export const requestedOf = (a: ApprovalRecord): ApprovalRequested => ({
  request_id: a.request_id,
  tool_name: a.tool_name,
  input_preview: a.tool_input_preview,
  reason: a.reason,
  severity: a.severity,
  timeout_s: a.timeout_s,
  expires_at: a.expires_at,
  matching_rule_ids: a.matching_rule_ids,
});

export const approveActionId = (taskId: string, rid: string) => `approve_action:${taskId}:${rid}`;
export const approveSessionActionId = (taskId: string, rid: string) => `approve_session_action:${taskId}:${rid}`;
export const denyActionId = (taskId: string, rid: string) => `deny_action:${taskId}:${rid}`;

function details(t: CardTask, a: ApprovalRequested): Block[] {
  const rules = a.matching_rule_ids.map((r) => `\`${r}\``).join(", ");
  return [
    section(`:lock: *Approval required* for \`${t.repo}\``),
    section(
      [
        `_Tool:_ \`${esc(a.tool_name)}\` — \`${esc(trunc(a.input_preview, 150))}\``,
        `_Reason:_ ${esc(trunc(a.reason, 200))}`,
        `_Rules:_ ${rules || "-"}`,
        `_Severity:_ ${a.severity}`,
      ].join("\n"),
    ),
  ];
}

export function approvalCard(t: CardTask, a: ApprovalRequested, approvable: readonly string[]): SlackMessage {
  const blocks = details(t, a);
  blocks.push(context(`times out in ${formatDuration(a.timeout_s)} (<!date^${Math.floor(Date.parse(a.expires_at) / 1000)}^{time}|${a.expires_at}>) — no answer means deny`));
  if (approvable.includes(a.severity)) {
    blocks.push({
      type: "actions",
      block_id: `approval:${a.request_id}`,
      elements: [
        button("✅ Approve", approveActionId(t.task_id, a.request_id), {
          style: "primary",
          confirm: { title: "Approve this tool call?", text: "The agent will run this one call and continue.", yes: "Approve" },
        }),
        button("Approve for session", approveSessionActionId(t.task_id, a.request_id), {
          confirm: { title: "Approve for the session?", text: `Later calls matching ${a.matching_rule_ids.join(", ")} will run without asking.`, yes: "Approve" },
        }),
        button("❌ Deny", denyActionId(t.task_id, a.request_id), { style: "danger" }),
      ],
    });
  } else {
    blocks.push(section(`:shield: ${a.severity}-severity gate — decide from the CLI: \`bgagent approve ${t.task_id} ${a.request_id}\` or \`bgagent deny ${t.task_id} ${a.request_id} --reason "..."\``));
  }
  return { text: `Approval required for ${t.repo}: ${a.tool_name}`, blocks };
}

export type ApprovalOutcome =
  | { status: "APPROVED"; by: string; at: string; scope: string }
  | { status: "DENIED"; by: string; at: string; reason: string }
  | { status: "TIMED_OUT" | "CANCELLED" | "STRANDED"; at: string };

/** The card after the fact: buttons gone, the outcome, who and when. */
export function decidedCard(t: CardTask, a: ApprovalRequested, o: ApprovalOutcome): SlackMessage {
  const when = `<!date^${Math.floor(Date.parse(o.at) / 1000)}^{date_short_pretty} {time}|${o.at}>`;
  let line: string;
  switch (o.status) {
    case "APPROVED":
      line = `:white_check_mark: *Approved* by ${o.by} (${o.scope}) — ${when}`;
      break;
    case "DENIED":
      line = `:no_entry: *Denied* by ${o.by} — ${when}${o.reason ? `\n_Reason:_ ${esc(trunc(o.reason, 500))}` : ""}`;
      break;
    case "TIMED_OUT":
      line = `:hourglass: *Expired — denied (fail closed)* — ${when}`;
      break;
    case "CANCELLED":
      line = `:no_entry_sign: *Task cancelled* before a decision — ${when}`;
      break;
    default:
      line = `:warning: *Stranded* — the task stopped before a decision — ${when}`;
  }
  return { text: `Approval for ${t.repo}: ${o.status.toLowerCase()}`, blocks: [...details(t, a), section(line)] };
}
