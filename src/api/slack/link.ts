/**
 * POST /v1/slack/link {code} (user): completes `/bgagent link`. The code proves the Slack side
 * (it was handed out in a signed Slack request), the token the platform side. Write-once: a
 * Slack identity linked to someone else cannot be re-linked (409).
 */
import { z } from "zod";
import { AppError } from "../../shared/errors";
import { redeemLinkCode } from "../../store/slackLinks";
import { userId } from "../auth";
import { parseBody } from "../body";
import type { AppContext } from "../context";
import { respond } from "../envelope";

const Body = z.object({ code: z.string().trim().min(1).max(32) }).strict();

export async function slackLinkRoute(c: AppContext) {
  const { code } = await parseBody(c, Body);
  const r = await redeemLinkCode(c.env.DB, code.toUpperCase(), userId(c.get("actor")));
  if (!r.ok && r.reason === "invalid_code") throw new AppError("NOT_FOUND", 404, "Invalid or expired link code.");
  if (!r.ok) throw new AppError("CONFLICT", 409, "This Slack account is already linked to another bgagent user.");
  return respond(c, { message: "Slack account linked successfully.", slack_team_id: r.slack_team_id, slack_user_id: r.slack_user_id, linked_at: r.linked_at });
}
