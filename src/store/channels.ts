/** A Slack channel's default repo, for mentions that name none. */
import { iso } from "../shared/clock";

export async function channelRepo(db: D1Database, channelId: string): Promise<string | null> {
  const row = await db.prepare("SELECT repo FROM channels WHERE channel_key = ?").bind(channelId).first<{ repo: string }>();
  return row?.repo ?? null;
}

export async function setChannelRepo(db: D1Database, channelId: string, repo: string): Promise<void> {
  await db
    .prepare(
      "INSERT INTO channels (channel_key, repo, updated_at) VALUES (?1, ?2, ?3) ON CONFLICT (channel_key) DO UPDATE SET repo = ?2, updated_at = ?3",
    )
    .bind(channelId, repo, iso())
    .run();
}
