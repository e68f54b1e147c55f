/** Where each approval card was posted (thread, DM, approval channel), so every copy is edited after the outcome. */
import { iso } from "../shared/clock";

export type CardPlaceName = "thread" | "dm" | "channel";

export interface PostedCard {
  place: CardPlaceName;
  slack_channel: string;
  slack_ts: string;
}

export async function postedCards(db: D1Database, requestId: string): Promise<PostedCard[]> {
  const { results } = await db
    .prepare("SELECT place, slack_channel, slack_ts FROM approval_cards WHERE request_id = ? ORDER BY created_at, place")
    .bind(requestId)
    .all<PostedCard>();
  return results;
}

export async function recordPostedCard(db: D1Database, requestId: string, card: PostedCard): Promise<void> {
  await db
    .prepare("INSERT OR IGNORE INTO approval_cards (request_id, place, slack_channel, slack_ts, created_at) VALUES (?, ?, ?, ?, ?)")
    .bind(requestId, card.place, card.slack_channel, card.slack_ts, iso())
    .run();
}
