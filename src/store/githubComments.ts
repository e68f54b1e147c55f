/** The one GitHub comment per task. */
export interface CommentRow {
  comment_id: string | null;
  claimed_at: number;
  task_version: number;
}

export async function commentOf(db: D1Database, taskId: string): Promise<CommentRow | null> {
  return db.prepare("SELECT comment_id, claimed_at, task_version FROM github_comments WHERE task_id = ?").bind(taskId).first<CommentRow>();
}

/** Claim the right to create the comment; a claim older than `staleMs` may be taken over. */
export async function claimComment(db: D1Database, taskId: string, now: number, staleMs: number): Promise<boolean> {
  const r = await db
    .prepare(
      `INSERT INTO github_comments (task_id, comment_id, claimed_at) VALUES (?1, NULL, ?2)
       ON CONFLICT (task_id) DO UPDATE SET claimed_at = ?2 WHERE comment_id IS NULL AND claimed_at < ?3`,
    )
    .bind(taskId, now, now - staleMs)
    .run();
  return r.meta.changes > 0;
}

export async function saveComment(db: D1Database, taskId: string, commentId: string, version: number): Promise<void> {
  await db
    .prepare("UPDATE github_comments SET comment_id = ?, task_version = MAX(task_version, ?) WHERE task_id = ?")
    .bind(commentId, version, taskId)
    .run();
}

/** Give up a creation claim (GitHub refused the comment for good), so a replay need not wait for it to go stale. */
export async function releaseClaim(db: D1Database, taskId: string): Promise<void> {
  await db.prepare("DELETE FROM github_comments WHERE task_id = ? AND comment_id IS NULL").bind(taskId).run();
}
