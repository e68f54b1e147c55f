import { type Block, section } from "./format";

export const DENY_REASON_BLOCK = "reason";
export const DENY_REASON_INPUT = "reason_input";

/** The modal the Deny button opens: an optional reason the agent will read. */
export function denyModal(callbackId: string, privateMetadata: string, summary: string): Record<string, unknown> {
  const blocks: Block[] = [
    section(summary),
    {
      type: "input",
      block_id: DENY_REASON_BLOCK,
      optional: true,
      label: { type: "plain_text", text: "Why? (the agent reads this; secrets are redacted)" },
      element: { type: "plain_text_input", action_id: DENY_REASON_INPUT, multiline: true, max_length: 2000 },
    },
  ];
  return {
    type: "modal",
    callback_id: callbackId,
    private_metadata: privateMetadata,
    title: { type: "plain_text", text: "Deny tool call" },
    submit: { type: "plain_text", text: "Deny" },
    close: { type: "plain_text", text: "Cancel" },
    blocks,
  };
}
