/**
 * The approval card posted in the task's thread, and its edited form after the outcome. It leads
 * with what the call does (the gate's effects), then the input itself in a code block; an input
 * too long for the card is behind View full input (src/slack/blocks/inputModal.ts).
 * Buttons are UX, not authorisation: the click handler re-checks everything server-side.
 */
import type { Env } from "../../env";
import type { ApprovalRecord, ApprovalSummary, DeciderRole } from "../../shared/approval";
import { truncate } from "../../shared/redact";
import type { TaskView } from "../../shared/types";
import { visible } from "../../shared/visible";
import { approveActionId, approveSessionActionId, denyActionId, viewInputActionId } from "../actionIds";
import { BUDGET, joinCapped } from "./budget";
import { type Block, button, context, esc, formatDuration, section } from "./format";
import { charCount, codeChunks, escCapped, SECTION_CHARS, type ShownInput, shownInput } from "./inputText";
import type { SlackMessage } from "./taskMessages";

type CardTask = Pick<TaskView, "task_id" | "repo">;

/** Our shares of a section (3,000): the tool name, the reason and the rule list always fit together. */
export const TOOL_NAME_CHARS = 150;
const REASON_CHARS = 600;
const RULES_CHARS = 1500;
const ruleList = (ids: readonly string[], max: number) =>
  joinCapped(
    ids.map((r) => `\`${esc(r)}\``),
    ", ",
    max,
  );

/** Severities whose cards get buttons (SLACK_APPROVABLE_SEVERITIES); the others show the CLI command. */
export const approvableSeverities = (env: Pick<Env, "SLACK_APPROVABLE_SEVERITIES">): string[] =>
  env.SLACK_APPROVABLE_SEVERITIES.split(",")
    .map((s) => s.trim())
    .filter(Boolean);

export interface ApprovalRequested {
  request_id: string;
  tool_name: string;
  /** What the call does, most dangerous first (the gate's words). */
  effects: string[];
  /** The whole input as shown to humans; null where only the list preview is at hand. */
  input: ShownInput | null;
  input_preview: string;
  reason: string;
  severity: string;
  timeout_s: number;
  expires_at: string;
  matching_rule_ids: string[];
  /** Set when the window was clipped to the task's lifetime: when that lifetime ends. */
  lifetime_ends_at?: string | null;
}

/** The card's view of a stored approval record (with its whole input when the caller read it). */
export const requestedOf = (a: ApprovalSummary & Partial<Pick<ApprovalRecord, "tool_input">>): ApprovalRequested => ({
  request_id: a.request_id,
  tool_name: a.tool_name,
  effects: a.effects,
  input: a.tool_input ? shownInput(a.tool_input) : null,
  input_preview: a.tool_input_preview,
  reason: a.reason,
  severity: a.severity,
  timeout_s: a.timeout_s,
  expires_at: a.expires_at,
  matching_rule_ids: a.matching_rule_ids,
  lifetime_ends_at: a.lifetime_ends_at ?? null,
});

const effectsLine = (effects: readonly string[]): string => effects.join(" · ");
/** The effects, first and bold; the phrases may quote the agent's paths, so escaped and kept within one section. */
export const effectsSection = (effects: readonly string[]): Block =>
  section(`:warning: *${escCapped(effectsLine(effects), SECTION_CHARS - 20)}*`);
export const showCommand = (taskId: string, rid: string) => `bgagent show ${taskId} ${rid}`;

/** The input in a code block, as much as fits in one section; the rest behind View full input. */
function inputBlocks(t: CardTask, a: ApprovalRequested): Block[] {
  const text = a.input?.text ?? visible(a.input_preview);
  const total = charCount(text);
  const [first] = codeChunks(text, 1);
  const notes: string[] = [];
  if (!a.input) notes.push("preview only");
  else if (first.chars < total) notes.push(`showing ${first.chars} of ${total} characters`);
  if (a.input?.masked) notes.push(`${a.input.masked} secret-looking value${a.input.masked === 1 ? "" : "s"} masked`);
  const partial = !a.input || first.chars < total;
  const blocks = [section(first.text)];
  if (notes.length) blocks.push(context(`${notes.join(" · ")} — \`${showCommand(t.task_id, a.request_id)}\` prints all of it`));
  if (partial) {
    blocks.push({
      type: "actions",
      block_id: `input:${a.request_id}`,
      elements: [button("View full input", viewInputActionId(t.task_id, a.request_id))],
    });
  }
  return blocks;
}

function details(t: CardTask, a: ApprovalRequested): Block[] {
  const rules = ruleList(a.matching_rule_ids, RULES_CHARS);
  return [
    section(`:lock: *Approval required* for \`${t.repo}\``),
    ...(a.effects.length ? [effectsSection(a.effects)] : []),
    ...inputBlocks(t, a),
    section(
      [
        `_Tool:_ \`${escCapped(a.tool_name, TOOL_NAME_CHARS)}\``,
        `_Reason:_ ${escCapped(truncate(a.reason, 200), REASON_CHARS)}`,
        `_Rules:_ ${rules || "-"}`,
        `_Severity:_ ${a.severity}`,
      ].join("\n"),
    ),
  ];
}

/** Why the window is shorter than usual: the task's lifetime ends soon after it. */
export const lifetimeClipLine = (timeoutS: number, endsAt: string): string =>
  `Window clipped to ${formatDuration(timeoutS)}: the task's lifetime ends at ${endsAt.slice(11, 16)} UTC`;

/** Approve / Approve for session / Deny: the card's buttons, also on the App Home (same ids, same handlers). */
export function approvalButtons(t: Pick<CardTask, "task_id">, a: Pick<ApprovalRequested, "request_id" | "matching_rule_ids">): Block {
  return {
    type: "actions",
    block_id: `approval:${a.request_id}`,
    elements: [
      button("✅ Approve", approveActionId(t.task_id, a.request_id), {
        style: "primary",
        confirm: { title: "Approve this tool call?", text: "The agent will run this one call and continue.", yes: "Approve" },
      }),
      button("Approve for session", approveSessionActionId(t.task_id, a.request_id), {
        confirm: { title: "Approve for the session?", text: sessionConfirmText(a.matching_rule_ids), yes: "Approve" },
      }),
      button("❌ Deny", denyActionId(t.task_id, a.request_id), { style: "danger" }),
    ],
  };
}

export function approvalCard(t: CardTask, a: ApprovalRequested, approvable: readonly string[]): SlackMessage {
  const blocks = details(t, a);
  blocks.push(
    context(
      `times out in ${formatDuration(a.timeout_s)} (<!date^${Math.floor(Date.parse(a.expires_at) / 1000)}^{time}|${a.expires_at}>) — no answer means deny` +
        (a.lifetime_ends_at ? `\n${lifetimeClipLine(a.timeout_s, a.lifetime_ends_at)}` : ""),
    ),
  );
  if (approvable.includes(a.severity)) {
    blocks.push(approvalButtons(t, a));
  } else {
    blocks.push(
      section(
        `:shield: ${a.severity}-severity gate — decide from the CLI: \`bgagent approve ${t.task_id} ${a.request_id}\` or \`bgagent deny ${t.task_id} ${a.request_id} --reason "..."\``,
      ),
    );
  }
  const summary = a.effects.length ? ` — ${escCapped(effectsLine(a.effects), 500)}` : "";
  return { text: `Approval required for ${t.repo}: ${escCapped(a.tool_name, TOOL_NAME_CHARS)}${summary}`, blocks };
}

/** The confirm dialog (300 characters, plain text) names as many of the granted rules as fit, and how many more. */
export function sessionConfirmText(ruleIds: readonly string[]): string {
  const [before, after] = ["Later calls matching ", " will run without asking."];
  return `${before}${joinCapped(ruleIds, ", ", BUDGET.confirmText - before.length - after.length)}${after}`;
}

export type ApprovalOutcome =
  | { status: "APPROVED"; by: string; role?: DeciderRole; at: string; scope: string }
  | { status: "DENIED"; by: string; role?: DeciderRole; at: string; reason: string }
  | { status: "TIMED_OUT" | "CANCELLED" | "STRANDED"; at: string };

const inRole = (role: DeciderRole | undefined) => (role ? ` (${role})` : "");

/** The card after the fact: buttons gone, the outcome, who (in which role) and when. */
export function decidedCard(t: CardTask, a: ApprovalRequested, o: ApprovalOutcome): SlackMessage {
  const when = `<!date^${Math.floor(Date.parse(o.at) / 1000)}^{date_short_pretty} {time}|${o.at}>`;
  let line: string;
  switch (o.status) {
    case "APPROVED":
      line = `:white_check_mark: *Approved* by ${o.by}${inRole(o.role)} · \`${o.scope}\` — ${when}`;
      break;
    case "DENIED":
      line = `:no_entry: *Denied* by ${o.by}${inRole(o.role)} — ${when}${o.reason ? `\n_Reason:_ ${escCapped(truncate(o.reason, 500), 1000)}` : ""}`;
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

/**
 * Several cards in one message (`/bgagent pending`): whole cards, divided, while they fit in one
 * message's blocks, then a line saying how many more there are and where to see them.
 */
export function cardList(cards: readonly SlackMessage[], moreHint: string): Block[] {
  const blocks: Block[] = [];
  for (const [i, card] of cards.entries()) {
    // One block stays free for the note.
    if (blocks.length + card.blocks.length + 1 > BUDGET.messageBlocks - 1) {
      blocks.push(context(`…and ${cards.length - i} more — ${moreHint}`));
      break;
    }
    blocks.push(...card.blocks, { type: "divider" });
  }
  return blocks;
}
