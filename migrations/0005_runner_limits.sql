-- Runners limited to some repos: a JSON array of lower-case globs on owner/name (SQLite GLOB,
-- e.g. ["acme/*"]); NULL = any repo. Matched when a runner claims (store/tasks.ts claimableTaskIds).
ALTER TABLE runners ADD COLUMN repos TEXT;
