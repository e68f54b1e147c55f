-- What a delivery produced, by name, so later events can find it: "created" and "session"
-- (progress messages deleted at the end), "approval:<request_id>" (the card edited after a
-- decision), "terminal" and "agent_error" (first per task only).
ALTER TABLE deliveries ADD COLUMN ref TEXT;
CREATE INDEX idx_deliveries_ref ON deliveries (task_id, channel, ref);

-- One GitHub comment per task, edited in place. comment_id is NULL while its creation is claimed.
CREATE TABLE github_comments (
  task_id      TEXT PRIMARY KEY,
  comment_id   TEXT,
  claimed_at   INTEGER NOT NULL,                      -- epoch ms
  task_version INTEGER NOT NULL DEFAULT 0             -- newest task version rendered
);
