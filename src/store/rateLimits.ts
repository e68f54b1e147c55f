/** Fixed one-minute windows in D1, shared by every isolate (REST and Slack decisions share a bucket). */
export async function hit(db: D1Database, bucket: string, limit: number, now = Date.now()): Promise<boolean> {
  const window = Math.floor(now / 60_000);
  const row = await db
    .prepare(
      `INSERT INTO rate_counters (bucket, window, count) VALUES (?, ?, 1)
       ON CONFLICT (bucket, window) DO UPDATE SET count = count + 1 RETURNING count`,
    )
    .bind(bucket, window)
    .first<{ count: number }>();
  return (row?.count ?? 0) <= limit;
}

/** Seconds until the current one-minute window ends (for Retry-After), at least 1. */
export const retryAfterS = (now = Date.now()): number => Math.max(1, Math.ceil((60_000 - (now % 60_000)) / 1000));

export async function pruneRateCounters(db: D1Database, now = Date.now()): Promise<number> {
  const r = await db
    .prepare("DELETE FROM rate_counters WHERE window < ?")
    .bind(Math.floor(now / 60_000) - 5)
    .run();
  return r.meta.changes;
}
