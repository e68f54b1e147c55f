/**
 * POST /v1/slack/link {code} (user): completes `/bgagent link`. The code proves the Slack side
 * (it was handed out in a signed Slack request), the token the platform side. Write-once: a
 * Slack identity linked to someone else cannot be re-linked (409) until it is unlinked.
 * Redemption is rate-limited per user and for everyone together (429 + Retry-After), so codes
 * cannot be guessed by volume.
 * DELETE /v1/slack/link (user) -> {unlinked}: removes the caller's own Slack links.
 */
import { z } from "zod";
import { AppError } from "../../shared/errors";
import { errorBody } from "../../shared/http";
import { hit, retryAfterS } from "../../store/rateLimits";
import { redeemLinkCode, unlinkPlatformUser } from "../../store/slackLinks";
import { userId } from "../auth";
import { parseBody } from "../body";
import type { AppContext } from "../context";
import { respond } from "../envelope";

const Body = z.object({ code: z.string().trim().min(1).max(32) }).strict();

export const LINK_TRIES_PER_USER_MINUTE = 10;
export const LINK_TRIES_PER_MINUTE = 100;

/** The bucket that is full, if any: the caller's own first, so one guesser does not spend everyone's. */
async function linkRateLimited(db: D1Database, user: string): Promise<string | null> {
  if (!(await hit(db, `link#${user}`, LINK_TRIES_PER_USER_MINUTE)))
    return `${LINK_TRIES_PER_USER_MINUTE} link attempts per user per minute`;
  if (!(await hit(db, "link#*", LINK_TRIES_PER_MINUTE))) return `${LINK_TRIES_PER_MINUTE} link attempts per minute for everyone`;
  return null;
}

export async function slackLinkRoute(c: AppContext) {
  const { code } = await parseBody(c, Body);
  const user = userId(c.get("actor"));
  const limited = await linkRateLimited(c.env.DB, user);
  if (limited) {
    c.header("Retry-After", String(retryAfterS()));
    return c.json(errorBody("RATE_LIMIT_EXCEEDED", `Rate limit exceeded (${limited}). Try again later.`, c.get("requestId")), 429);
  }
  const r = await redeemLinkCode(c.env.DB, code.toUpperCase(), user);
  if (!r.ok && r.reason === "invalid_code") throw new AppError("NOT_FOUND", 404, "Invalid or expired link code.");
  if (!r.ok) throw new AppError("CONFLICT", 409, "This Slack account is already linked to another bgagent user.");
  return respond(c, {
    message: "Slack account linked successfully.",
    slack_team_id: r.slack_team_id,
    slack_user_id: r.slack_user_id,
    linked_at: r.linked_at,
  });
}

export async function slackUnlinkRoute(c: AppContext) {
  return respond(c, { unlinked: await unlinkPlatformUser(c.env.DB, userId(c.get("actor"))) });
}
