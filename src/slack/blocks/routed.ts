/** Messages posted outside the task's own thread (a DM to its owner, the repo's approval channel) say which task they are about. */
import { truncate } from "../../shared/redact";
import type { TaskView } from "../../shared/types";
import { context, esc } from "./format";
import type { SlackMessage } from "./taskMessages";

/** `m` with a first line naming the task (id, owner when given, description). */
export function withTaskLine(m: SlackMessage, t: Pick<TaskView, "task_id" | "description">, owner?: string): SlackMessage {
  const by = owner ? ` · owner ${owner}` : "";
  return { text: m.text, blocks: [context(`Task \`${t.task_id}\`${by} — ${esc(truncate(t.description, 200))}`), ...m.blocks] };
}
