/** The modal View full input opens: the whole input in code blocks, as far as Slack allows. Pure. */

import type { ApprovalRecord } from "../../shared/approval";
import { visible } from "../../shared/visible";
import { effectsSection, showCommand, TOOL_NAME_CHARS } from "./approvalCard";
import { BUDGET } from "./budget";
import { type Block, context, section } from "./format";
import { charCount, codeChunks, escCapped, shownInput } from "./inputText";

export const VIEW_BLOCKS = BUDGET.viewBlocks;

export function inputModal(a: ApprovalRecord): Record<string, unknown> {
  const shown = a.tool_input ? shownInput(a.tool_input) : null;
  const text = shown?.text ?? visible(a.tool_input_preview);
  const total = charCount(text);
  const notes = [`${total} characters`];
  if (!shown) notes.push("only a preview was kept for this request");
  if (shown?.masked)
    notes.push(
      `${shown.masked} secret-looking value${shown.masked === 1 ? "" : "s"} masked (\`${showCommand(a.task_id, a.request_id)}\` prints them)`,
    );
  const head: Block[] = [
    section(`*${escCapped(a.tool_name, TOOL_NAME_CHARS)}* for \`${a.repo}\` — request \`${a.request_id}\``),
    ...(a.effects.length ? [effectsSection(a.effects)] : []),
    context(notes.join(" · ")),
  ];
  // One block stays free for the note that the input did not fit.
  const chunks = codeChunks(text, VIEW_BLOCKS - head.length - 1);
  const shownChars = chunks.reduce((n, c) => n + c.chars, 0);
  const blocks = [...head, ...chunks.map((c) => section(c.text))];
  if (shownChars < total) {
    blocks.push(
      section(
        `:warning: Too long for Slack: showing ${shownChars} of ${total} characters. \`${showCommand(a.task_id, a.request_id)}\` prints all of it.`,
      ),
    );
  }
  return { type: "modal", title: { type: "plain_text", text: "Full tool input" }, close: { type: "plain_text", text: "Close" }, blocks };
}
