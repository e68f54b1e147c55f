/**
 * The submit modal (`/bgagent submit`, the "Send to bgagent" message shortcut): the options of
 * POST /v1/tasks as Slack inputs. Pure. Block and action ids are read back by
 * src/slack/handlers/submit.ts, which validates the submission like the API does.
 */
import { LIMITS } from "../../shared/limits";
import { truncate } from "../../shared/redact";
import { SUBMIT_CALLBACK_ID, SUBMIT_REPO_ACTION_ID } from "../actionIds";
import { BUDGET } from "./budget";
import { type Block, formatDuration, section } from "./format";

/** Block id -> action id of each input; the API field each one fills is in the handler. */
export const SUBMIT_FIELDS = {
  repo: { block: "repo", action: SUBMIT_REPO_ACTION_ID },
  text: { block: "text", action: "text_input" },
  readOnly: { block: "read_only", action: "read_only_input" },
  window: { block: "approval_window", action: "window_select" },
  scopes: { block: "scopes", action: "scopes_input" },
} as const;

export const READ_ONLY_VALUE = "read_only";
/** Static selects hold at most 100 options; more repos than that are searched (block_suggestion). */
export const STATIC_OPTIONS_MAX = 100;
/** Option values are at most 150 characters, their texts 75. */
const OPTION_VALUE_MAX = 150;
const OPTION_TEXT_MAX = 75;
const WINDOWS_S = [60, 120, 300, 600, 900, 1800, 3600].filter((s) => s >= LIMITS.approvalTimeoutS.min && s <= LIMITS.approvalTimeoutS.max);

/** Slack's input takes at most 3,000 characters, fewer than a task allows (the API and CLI take longer ones). */
const TEXT_MAX = Math.min(LIMITS.descriptionChars, BUDGET.plainTextInputMax);

const plain = (text: string) => ({ type: "plain_text", text });
export const option = (text: string, value: string) => ({ text: plain(truncate(text, OPTION_TEXT_MAX)), value });
/** Repos a select can offer (a value longer than Slack allows cannot be offered). */
export const repoOptions = (repos: readonly string[]) => repos.filter((r) => r.length <= OPTION_VALUE_MAX).map((r) => option(r, r));

export interface SubmitModalInput {
  /** Onboarded repos the person may submit to. */
  repos: readonly string[];
  initialRepo?: string | null;
  initialText?: string;
  /** Where the task's thread goes (JSON, read back on submission). */
  privateMetadata: string;
}

function repoElement(i: SubmitModalInput): Block {
  const options = repoOptions(i.repos);
  const initial = i.initialRepo && options.find((o) => o.value === i.initialRepo);
  const el: Block =
    options.length <= STATIC_OPTIONS_MAX
      ? { type: "static_select", action_id: SUBMIT_FIELDS.repo.action, options }
      : { type: "external_select", action_id: SUBMIT_FIELDS.repo.action, min_query_length: 0 };
  el.placeholder = plain("Choose a repo");
  if (initial) el.initial_option = initial;
  return el;
}

const input = (block: string, label: string, element: Block, extra: Block = {}): Block => ({
  type: "input",
  block_id: block,
  label: plain(label),
  element,
  ...extra,
});

export function submitModal(i: SubmitModalInput): Record<string, unknown> {
  const base = { type: "modal", callback_id: SUBMIT_CALLBACK_ID, title: plain("Submit a task"), close: plain("Cancel") };
  if (!repoOptions(i.repos).length) {
    return { ...base, blocks: [section(":warning: No repo is onboarded yet. An admin runs `bgagent admin put-repo owner/name` first.")] };
  }
  const text: Block = {
    type: "plain_text_input",
    action_id: SUBMIT_FIELDS.text.action,
    multiline: true,
    max_length: TEXT_MAX,
    placeholder: plain("What should the agent do?"),
  };
  if (i.initialText) text.initial_value = truncate(i.initialText, TEXT_MAX);
  const blocks: Block[] = [
    input(SUBMIT_FIELDS.repo.block, "Repository", repoElement(i)),
    input(SUBMIT_FIELDS.text.block, "Task", text),
    input(
      SUBMIT_FIELDS.readOnly.block,
      "Mode",
      {
        type: "checkboxes",
        action_id: SUBMIT_FIELDS.readOnly.action,
        options: [
          {
            text: plain("Read-only"),
            description: plain("The agent may read and run read-only tools; anything that writes is denied."),
            value: READ_ONLY_VALUE,
          },
        ],
      },
      { optional: true },
    ),
    input(
      SUBMIT_FIELDS.window.block,
      "Approval window",
      {
        type: "static_select",
        action_id: SUBMIT_FIELDS.window.action,
        placeholder: plain("The repo's default"),
        options: WINDOWS_S.map((s) => option(formatDuration(s), String(s))),
      },
      { optional: true, hint: plain("How long an approval request waits for you before it is denied.") },
    ),
    input(
      SUBMIT_FIELDS.scopes.block,
      "Pre-approved scopes",
      {
        type: "plain_text_input",
        action_id: SUBMIT_FIELDS.scopes.action,
        multiline: true,
        placeholder: plain("One per line, e.g. bash_pattern:npm test*"),
      },
      {
        optional: true,
        hint: plain(
          `Up to ${LIMITS.initialApprovalsMax}: rule:<id>, tool_type:<Tool>, tool_group:file_write, bash_pattern:<glob>, write_path:<glob>.`,
        ),
      },
    ),
  ];
  return { ...base, submit: plain("Submit"), private_metadata: i.privateMetadata, blocks };
}
