/**
 * Every Slack action id and view callback id the app builds, and their parsers: the ids carry
 * the task and request ids, so what a click claims is read back here and nowhere else. A parser
 * returns null for anything forged or malformed. The patterns route clicks in app.ts.
 */
import { ULID_PATTERN as ULID } from "../shared/ids";

export type ApprovalVerb = "approve_action" | "approve_session_action" | "deny_action" | "deny_reason";

export const approveActionId = (taskId: string, rid: string) => `approve_action:${taskId}:${rid}`;
export const approveSessionActionId = (taskId: string, rid: string) => `approve_session_action:${taskId}:${rid}`;
export const denyActionId = (taskId: string, rid: string) => `deny_action:${taskId}:${rid}`;
/** The deny modal's callback id: the reason comes back with it. */
export const denyReasonCallbackId = (taskId: string, rid: string) => `deny_reason:${taskId}:${rid}`;
export const viewInputActionId = (taskId: string, rid: string) => `view_input:${taskId}:${rid}`;
export const cancelTaskActionId = (taskId: string) => `cancel_task:${taskId}`;

/** What app.ts routes on (the parsers below check the whole id). */
export const ROUTES = {
  approval: /^(approve_action|approve_session_action|deny_action):/,
  denyReason: /^deny_reason:/,
  viewInput: /^view_input:/,
  cancelTask: /^cancel_task:/,
};

const APPROVAL = new RegExp(`^(approve_action|approve_session_action|deny_action|deny_reason):(${ULID}):(${ULID})$`);
const VIEW_INPUT = new RegExp(`^view_input:(${ULID}):(${ULID})$`);
const CANCEL_TASK = new RegExp(`^cancel_task:(${ULID})$`);

/** Verb, task and request from an approval button's action id or the deny modal's callback id. */
export function parseApprovalAction(id: string): { verb: ApprovalVerb; task_id: string; request_id: string } | null {
  const m = APPROVAL.exec(id);
  return m ? { verb: m[1] as ApprovalVerb, task_id: m[2], request_id: m[3] } : null;
}

/** The View full input button: task and request ids. */
export function parseViewInputAction(id: string): { task_id: string; request_id: string } | null {
  const m = VIEW_INPUT.exec(id);
  return m ? { task_id: m[1], request_id: m[2] } : null;
}

/** The Cancel Task button: the task id. */
export const parseCancelAction = (id: string): string | null => CANCEL_TASK.exec(id)?.[1] ?? null;

/** The submit modal (`/bgagent submit`, the message shortcut): its callback id and the repo picker's action id. */
export const SUBMIT_CALLBACK_ID = "submit_task";
export const SUBMIT_REPO_ACTION_ID = "submit_repo";
/** The message shortcut "Send to bgagent" (the manifest names it with this callback id). */
export const SEND_TO_BGAGENT_CALLBACK_ID = "send_to_bgagent";
