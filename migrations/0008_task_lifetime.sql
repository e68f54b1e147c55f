-- An approval whose window was clipped to end before its task's lifetime does (task/lifetime.ts):
-- when that lifetime ends, for the card's "Window clipped" line. NULL: not clipped.
ALTER TABLE approvals ADD COLUMN lifetime_ends_at TEXT;
