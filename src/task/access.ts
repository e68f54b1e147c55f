/**
 * Who may do what to a task. Pure: the TaskDO loads the state and asks. Non-owners get the same
 * 404 as a missing task (no existence oracle). A task token works only while its task is live and
 * its runner's tokens stand: once either ends it gets 401 (the runner kills its agent on a 401).
 */
import type { DeciderRole } from "../shared/approval";
import { digestsEqual } from "../shared/crypto";
import { type Failure, fail } from "../shared/errors";
import { log } from "../shared/log";
import { isTerminal } from "../shared/taskStatus";
import type { Actor } from "../shared/types";
import { getRepo } from "../store/repos";
import type { TaskState } from "./state";

/** read: owner, admin or the task's token; owner: owner or admin; task: the task's token only. */
export type AccessMode = "read" | "owner" | "task";

export const TOKEN_REVOKED_REASON = "This task's token was revoked (an admin revoked its runner's tokens).";

const taskNotFound = (): Failure => fail("TASK_NOT_FOUND", 404, "Task not found.");

export const requestNotFound = (): Failure => fail("REQUEST_NOT_FOUND", 404, "Approval request not found or not owned by caller.");

/** The state, narrowed, when `actor` may act in `mode`; otherwise the failure to answer with. */
export type Access = { ok: true; s: TaskState } | Failure;

export function access(s: TaskState | null, actor: Actor, mode: AccessMode, tokenRevoked: boolean): Access {
  if (!s) return taskNotFound();
  if (actor.kind === "admin" && mode !== "task") return { ok: true, s };
  if (actor.kind === "user" && mode !== "task" && actor.user_id === s.user_id) return { ok: true, s };
  if (actor.kind === "task" && mode !== "owner" && isTaskToken(s, actor)) {
    if (tokenRevoked) return fail("TOKEN_REVOKED", 401, TOKEN_REVOKED_REASON);
    if (isTerminal(s.status)) {
      const code = s.status === "CANCELLED" ? "TASK_CANCELLED" : s.status === "TIMED_OUT" ? "TASK_TIMED_OUT" : "TASK_ENDED";
      return fail(code, 401, `Task is ${s.status}; its task token no longer works.`);
    }
    return { ok: true, s };
  }
  return taskNotFound();
}

const isTaskToken = (s: TaskState, actor: Extract<Actor, { kind: "task" }>): boolean =>
  actor.task_id === s.task_id && s.task_token_hash !== null && digestsEqual(actor.token_hash, s.task_token_hash);

/**
 * Who may decide the task's approvals: the owner, or a user the repo's blueprint lists as approver
 * NOW (read from D1 when the decision arrives, so someone removed from the list can no longer
 * decide). Everyone else gets a 404 (null here). A blueprint that cannot be read leaves the owner
 * only (fail closed). The owner decides as owner even when also listed as approver.
 */
export async function deciderRole(db: D1Database, s: TaskState | null, actor: Actor): Promise<DeciderRole | null> {
  if (!s || actor.kind !== "user") return null;
  if (actor.user_id === s.user_id) return "owner";
  try {
    return (await getRepo(db, s.repo))?.blueprint.approvers.includes(actor.user_id) ? "approver" : null;
  } catch (err) {
    log("task.approvers_unreadable", { task_id: s.task_id, error: String(err) }, "error");
    return null;
  }
}

/** The user a decision or cancel is recorded against. */
export const actorName = (actor: Actor): string => (actor.kind === "user" ? actor.user_id : actor.kind);
