/**
 * Bearer token formats. User and runner tokens (bgu_/bgr_) are looked up by hash in D1; a task
 * token embeds its task id (bgt_<task_id>_<secret>) so the API routes it to the task's DO, which
 * alone holds its hash.
 */
import { randomSecret } from "./crypto";
import { ULID_PATTERN } from "./ids";

export const newPrincipalToken = (kind: "user" | "runner"): string => `${kind === "user" ? "bgu" : "bgr"}_${randomSecret(32)}`;

export const newTaskToken = (taskId: string): string => `bgt_${taskId}_${randomSecret(32)}`;

const TASK_TOKEN_RE = new RegExp(`^bgt_(${ULID_PATTERN})_[A-Za-z0-9_-]{20,}$`);

/** The task id a task token names, or null when the token is not one. */
export const taskIdOfToken = (token: string): string | null => TASK_TOKEN_RE.exec(token)?.[1] ?? null;
