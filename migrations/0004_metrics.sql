-- Gate decision counts per task, kept by the TaskDO (allows are not audit events, so they are
-- counted rather than recorded) and flushed through its outbox at most every 10 s.
-- The counters only grow, so the upsert keeps the larger value and a late retry is harmless.
CREATE TABLE gate_stats (
  task_id          TEXT PRIMARY KEY,
  allow            INTEGER NOT NULL DEFAULT 0,
  deny             INTEGER NOT NULL DEFAULT 0,
  require_approval INTEGER NOT NULL DEFAULT 0,
  updated_at       TEXT NOT NULL
);
CREATE INDEX idx_gate_stats_updated ON gate_stats (updated_at);

-- How many deliveries a dispatch message took (1 = first try), for the retried count in metrics.
ALTER TABLE deliveries ADD COLUMN attempts INTEGER NOT NULL DEFAULT 1;
CREATE INDEX idx_deliveries_created ON deliveries (created_at);

-- Metrics and the reconciler read by time.
CREATE INDEX idx_approvals_created ON approvals (created_at);
CREATE INDEX idx_task_events_type_created ON task_events (event_type, created_at);
CREATE INDEX idx_tasks_status_updated ON tasks (status, updated_at);
