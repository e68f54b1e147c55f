/** Slack identity <-> platform user links (write-once), one-time link codes, and event dedup. */
import { iso } from "../shared/clock";

const LINK_CODE_TTL_MS = 10 * 60 * 1000;

export async function slackUserOf(db: D1Database, userId: string, teamId: string | undefined): Promise<string | null> {
  const row = await db
    .prepare("SELECT slack_user_id FROM slack_links WHERE user_id = ? AND (?2 IS NULL OR slack_team_id = ?2) LIMIT 1")
    .bind(userId, teamId ?? null)
    .first<{ slack_user_id: string }>();
  return row?.slack_user_id ?? null;
}

export async function linkedUser(db: D1Database, teamId: string, slackUserId: string): Promise<string | null> {
  const row = await db
    .prepare("SELECT user_id FROM slack_links WHERE slack_team_id = ? AND slack_user_id = ?")
    .bind(teamId, slackUserId)
    .first<{ user_id: string }>();
  return row?.user_id ?? null;
}

export async function createLinkCode(db: D1Database, code: string, teamId: string, slackUserId: string, now = Date.now()): Promise<void> {
  await db
    .prepare("INSERT INTO slack_link_codes (code, slack_team_id, slack_user_id, expires_at, created_at) VALUES (?, ?, ?, ?, ?)")
    .bind(code, teamId, slackUserId, now + LINK_CODE_TTL_MS, iso(now))
    .run();
}

export type LinkResult =
  | { ok: true; slack_team_id: string; slack_user_id: string; linked_at: string }
  | { ok: false; reason: "invalid_code" | "linked_to_someone_else" };

/**
 * Redeem a code for `userId`. Write-once: a Slack identity already linked to another user stays
 * linked to them. The code is single-use either way.
 */
export async function redeemLinkCode(db: D1Database, code: string, userId: string, now = Date.now()): Promise<LinkResult> {
  const row = await db
    .prepare("DELETE FROM slack_link_codes WHERE code = ? AND expires_at >= ? RETURNING slack_team_id, slack_user_id")
    .bind(code, now)
    .first<{ slack_team_id: string; slack_user_id: string }>();
  if (!row) return { ok: false, reason: "invalid_code" };
  const linked_at = iso(now);
  await db
    .prepare("INSERT OR IGNORE INTO slack_links (slack_team_id, slack_user_id, user_id, linked_at) VALUES (?, ?, ?, ?)")
    .bind(row.slack_team_id, row.slack_user_id, userId, linked_at)
    .run();
  const owner = await linkedUser(db, row.slack_team_id, row.slack_user_id);
  if (owner !== userId) return { ok: false, reason: "linked_to_someone_else" };
  return { ok: true, slack_team_id: row.slack_team_id, slack_user_id: row.slack_user_id, linked_at };
}

/** Remove one Slack identity's link (and codes it still has open). Returns how many links went. */
export async function unlinkSlackUser(db: D1Database, teamId: string | null, slackUserId: string): Promise<number> {
  const [links] = await db.batch([
    db.prepare("DELETE FROM slack_links WHERE slack_user_id = ?1 AND (?2 IS NULL OR slack_team_id = ?2)").bind(slackUserId, teamId),
    db.prepare("DELETE FROM slack_link_codes WHERE slack_user_id = ?1 AND (?2 IS NULL OR slack_team_id = ?2)").bind(slackUserId, teamId),
  ]);
  return links.meta.changes;
}

/** Remove every Slack link of a platform user. Returns how many links went. */
export async function unlinkPlatformUser(db: D1Database, userId: string): Promise<number> {
  const r = await db.prepare("DELETE FROM slack_links WHERE user_id = ?").bind(userId).run();
  return r.meta.changes;
}

/**
 * Claim a Slack delivery for processing. True: process it. False: already done, or another
 * delivery of it is in progress. A claim that was never finished (the first attempt failed)
 * can be taken again after `staleMs`.
 */
export async function claimSlackEvent(db: D1Database, key: string, now = Date.now(), staleMs = 60_000): Promise<boolean> {
  const r = await db
    .prepare(
      `INSERT INTO slack_event_dedup (event_key, received_at) VALUES (?1, ?2)
       ON CONFLICT (event_key) DO UPDATE SET received_at = ?2 WHERE done_at IS NULL AND received_at < ?3`,
    )
    .bind(key, now, now - staleMs)
    .run();
  return r.meta.changes > 0;
}

/** Mark claimed deliveries done (or release them after a failure, so a retry can run), in one round trip. */
export async function finishSlackEvents(db: D1Database, keys: string[], ok: boolean): Promise<void> {
  const now = Date.now();
  await db.batch(
    keys.map((key) =>
      ok
        ? db.prepare("UPDATE slack_event_dedup SET done_at = ? WHERE event_key = ?").bind(now, key)
        : db.prepare("DELETE FROM slack_event_dedup WHERE event_key = ?").bind(key),
    ),
  );
}
