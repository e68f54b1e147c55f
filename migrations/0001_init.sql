-- bgagent records. The TaskDO is the single writer of task, approval and event rows
-- (through its outbox); everything else is written by the API routes.

CREATE TABLE users (
  id         TEXT PRIMARY KEY,
  name       TEXT NOT NULL,
  created_at TEXT NOT NULL
);

CREATE TABLE runners (
  id         TEXT PRIMARY KEY,
  name       TEXT NOT NULL,
  created_at TEXT NOT NULL
);

-- Bearer tokens, stored as SHA-256 hex of the token. Task tokens live in their TaskDO.
CREATE TABLE api_tokens (
  token_hash TEXT PRIMARY KEY,
  kind       TEXT NOT NULL CHECK (kind IN ('user', 'runner')),
  subject_id TEXT NOT NULL,
  created_at TEXT NOT NULL,
  revoked_at TEXT
);
CREATE INDEX idx_api_tokens_subject ON api_tokens (subject_id);

CREATE TABLE repos (
  id                     TEXT PRIMARY KEY,            -- owner/name
  blueprint              TEXT NOT NULL,               -- JSON, validated on PUT
  created_at             TEXT NOT NULL,
  updated_at             TEXT NOT NULL
);

CREATE TABLE channels (
  channel_key TEXT PRIMARY KEY,                       -- <team_id>#<channel_id>
  repo        TEXT NOT NULL,
  updated_at  TEXT NOT NULL
);

CREATE TABLE slack_links (
  slack_team_id TEXT NOT NULL,
  slack_user_id TEXT NOT NULL,
  user_id       TEXT NOT NULL,
  linked_at     TEXT NOT NULL,
  PRIMARY KEY (slack_team_id, slack_user_id)
);
CREATE INDEX idx_slack_links_user ON slack_links (user_id);

CREATE TABLE slack_link_codes (
  code          TEXT PRIMARY KEY,
  slack_team_id TEXT NOT NULL,
  slack_user_id TEXT NOT NULL,
  expires_at    INTEGER NOT NULL,                     -- epoch ms
  created_at    TEXT NOT NULL
);

CREATE TABLE slack_event_dedup (
  event_key   TEXT PRIMARY KEY,
  received_at INTEGER NOT NULL,                       -- epoch ms
  done_at     INTEGER
);
CREATE INDEX idx_slack_event_dedup_age ON slack_event_dedup (received_at);

CREATE TABLE tasks (
  id                           TEXT PRIMARY KEY,
  user_id                      TEXT NOT NULL,
  repo                         TEXT NOT NULL,
  issue_number                 INTEGER,
  description                  TEXT NOT NULL,
  status                       TEXT NOT NULL,
  read_only                    INTEGER NOT NULL DEFAULT 0,
  approval_timeout_s           INTEGER NOT NULL,
  approval_gate_cap            INTEGER NOT NULL,
  approval_gate_count          INTEGER NOT NULL DEFAULT 0,
  awaiting_approval_request_id TEXT,
  channel_source               TEXT NOT NULL,
  channel_metadata             TEXT NOT NULL DEFAULT '{}',
  runner_id                    TEXT,
  pr_url                       TEXT,
  error_message                TEXT,
  cost_usd                     REAL,
  created_at                   TEXT NOT NULL,
  updated_at                   TEXT NOT NULL,
  started_at                   TEXT,
  completed_at                 TEXT,
  last_heartbeat_at            TEXT,
  version                      INTEGER NOT NULL
);
CREATE INDEX idx_tasks_status_created ON tasks (status, created_at);
CREATE INDEX idx_tasks_user_created ON tasks (user_id, created_at);

CREATE TABLE approvals (
  request_id         TEXT PRIMARY KEY,
  task_id            TEXT NOT NULL,
  user_id            TEXT NOT NULL,
  repo               TEXT NOT NULL,
  tool_name          TEXT NOT NULL,
  tool_input_preview TEXT NOT NULL,
  tool_input_sha256  TEXT NOT NULL,
  reason             TEXT NOT NULL,
  severity           TEXT NOT NULL,
  matching_rule_ids  TEXT NOT NULL,                   -- JSON array
  status             TEXT NOT NULL,
  timeout_s          INTEGER NOT NULL,
  created_at         TEXT NOT NULL,
  expires_at         TEXT NOT NULL,
  decided_at         TEXT,
  decided_by         TEXT,
  scope              TEXT,
  deny_reason        TEXT,
  version            INTEGER NOT NULL
);
CREATE INDEX idx_approvals_user_status ON approvals (user_id, status, created_at);
CREATE INDEX idx_approvals_task ON approvals (task_id, created_at);

CREATE TABLE task_events (
  event_id   TEXT PRIMARY KEY,                        -- ULID, so ordered by time
  task_id    TEXT NOT NULL,
  event_type TEXT NOT NULL,
  metadata   TEXT NOT NULL DEFAULT '{}',
  created_at TEXT NOT NULL
);
CREATE INDEX idx_task_events_task ON task_events (task_id, event_id);

CREATE TABLE deliveries (
  event_id          TEXT NOT NULL,
  channel           TEXT NOT NULL,                    -- slack | github
  task_id           TEXT NOT NULL,
  status            TEXT NOT NULL,                    -- sent | dropped | skipped
  slack_channel     TEXT,
  slack_ts          TEXT,
  github_comment_id TEXT,
  detail            TEXT,
  created_at        TEXT NOT NULL,
  PRIMARY KEY (event_id, channel)
);
CREATE INDEX idx_deliveries_task ON deliveries (task_id, channel);

CREATE TABLE dead_letters (
  id          TEXT PRIMARY KEY,
  queue       TEXT NOT NULL,
  message     TEXT NOT NULL,                          -- JSON body as received
  attempts    INTEGER NOT NULL,
  created_at  TEXT NOT NULL,
  replayed_at TEXT
);
