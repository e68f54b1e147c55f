/** Slack identity <-> platform user links (write-once). */
export async function slackUserOf(db: D1Database, userId: string, teamId: string | undefined): Promise<string | null> {
  const row = await db
    .prepare("SELECT slack_user_id FROM slack_links WHERE user_id = ? AND (?2 IS NULL OR slack_team_id = ?2) LIMIT 1")
    .bind(userId, teamId ?? null)
    .first<{ slack_user_id: string }>();
  return row?.slack_user_id ?? null;
}
