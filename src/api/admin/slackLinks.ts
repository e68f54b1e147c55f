/**
 * Unlink Slack accounts of people who left (admin):
 * DELETE /v1/admin/slack-links/{slack_user_id}[?team_id=T..] -> {unlinked} (404 when not linked)
 * DELETE /v1/admin/users/{id}/slack-links -> {unlinked}           (every link of a platform user)
 */
import { z } from "zod";
import { AppError } from "../../shared/errors";
import { principalExists } from "../../store/principals";
import { unlinkPlatformUser, unlinkSlackUser } from "../../store/slackLinks";
import { parseQuery } from "../body";
import type { AppContext } from "../context";
import { respond } from "../envelope";

const SLACK_ID = /^[A-Z0-9]{2,32}$/;
const Query = z.object({ team_id: z.string().regex(SLACK_ID, "must be a Slack team id").optional() }).strict();

export async function unlinkSlackUserRoute(c: AppContext) {
  const slackUserId = c.req.param("slack_user_id") ?? "";
  if (!SLACK_ID.test(slackUserId)) throw new AppError("VALIDATION_ERROR", 400, "slack_user_id must be a Slack user id, e.g. U0123ABCD.");
  const { team_id } = parseQuery(c, Query);
  const unlinked = await unlinkSlackUser(c.env.DB, team_id ?? null, slackUserId);
  if (!unlinked) throw new AppError("NOT_FOUND", 404, `Slack user ${slackUserId} is not linked.`);
  return respond(c, { unlinked });
}

export async function unlinkUserSlackRoute(c: AppContext) {
  const id = c.req.param("id") ?? "";
  if (!(await principalExists(c.env.DB, "users", id))) throw new AppError("NOT_FOUND", 404, `No user ${id}.`);
  return respond(c, { unlinked: await unlinkPlatformUser(c.env.DB, id) });
}
