import type { TaskView } from "../shared/types";

/**
 * Everything the TaskDO persists about its task: the public view plus the hash of the task
 * token issued at claim (the token itself is never stored). `version` is bumped on every change;
 * D1 upserts only apply newer versions, so late outbox retries are harmless.
 */
export interface TaskState extends TaskView {
  task_token_hash: string | null;
}

/** The last time anyone working on the task was heard from. */
export const lastSignOfLife = (s: TaskState): string => s.last_heartbeat_at ?? s.started_at ?? s.updated_at;

export function view(s: TaskState): TaskView {
  const { task_token_hash: _secret, ...visible } = s;
  return visible;
}
