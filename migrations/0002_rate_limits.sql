-- Fixed-window counters for per-user rate limits (approval decisions: 30/user/minute).
CREATE TABLE rate_counters (
  bucket     TEXT NOT NULL,                           -- e.g. decide#<user_id>
  window     INTEGER NOT NULL,                        -- epoch minute
  count      INTEGER NOT NULL,
  PRIMARY KEY (bucket, window)
);
