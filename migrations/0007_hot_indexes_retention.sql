-- Every hot query reads through an index (test/store/queryPlans.test.ts checks the plans), and
-- per-task history can be pruned (src/task/retention.ts).

-- Reconciler: PENDING approvals past their deadline (no index led with status; it scanned them all).
-- Partial: it holds only the pending few, and cannot lure status GROUP BYs into a whole-table walk.
CREATE INDEX idx_approvals_pending_expires ON approvals (expires_at) WHERE status = 'PENDING';
-- Metrics: tasks that changed in the window; dead letters in the window (and the admin list, newest first).
CREATE INDEX idx_tasks_updated ON tasks (updated_at);
CREATE INDEX idx_dead_letters_created ON dead_letters (created_at);
-- Revoking a runner looks up its live tasks.
CREATE INDEX idx_tasks_runner ON tasks (runner_id, status);
-- Task lists are newest first (ULID order) per user, per user and status, and per status.
CREATE INDEX idx_tasks_user_id ON tasks (user_id, id);
CREATE INDEX idx_tasks_user_status_id ON tasks (user_id, status, id);
CREATE INDEX idx_tasks_status_id ON tasks (status, id);

-- Dead letters know their task (for retention and lookups) and, when dead-lettered at once for a
-- permanent failure, why.
ALTER TABLE dead_letters ADD COLUMN task_id TEXT;
ALTER TABLE dead_letters ADD COLUMN reason TEXT;
UPDATE dead_letters SET task_id = CASE WHEN json_valid(message) THEN json_extract(message, '$.event.task_id') END;
CREATE INDEX idx_dead_letters_task ON dead_letters (task_id);

-- Retention keeps a task's row (the summary: who, repo, outcome, PR, cost) and removes its history;
-- history_pruned_at marks tasks whose history is gone, so the partial index below holds only ended
-- tasks still to prune and the cron's lookup stays small however many tasks have ever run.
ALTER TABLE tasks ADD COLUMN history_pruned_at TEXT;
CREATE INDEX idx_tasks_prunable ON tasks (updated_at)
  WHERE history_pruned_at IS NULL AND status IN ('COMPLETED', 'FAILED', 'CANCELLED', 'TIMED_OUT');
