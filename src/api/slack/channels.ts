/** PUT /v1/slack/channels/{channel_id} {repo} (admin): the repo mentions in that channel default to. */
import { z } from "zod";
import { REPO_RE } from "../../shared/blueprint";
import { AppError } from "../../shared/errors";
import { setChannelRepo } from "../../store/channels";
import { getRepo } from "../../store/repos";
import { parseBody } from "../body";
import type { AppContext } from "../context";
import { respond } from "../envelope";

const Body = z.object({ repo: z.string().regex(REPO_RE, "must look like owner/name") }).strict();

export async function putChannelRoute(c: AppContext) {
  const channel = c.req.param("channel") ?? "";
  if (!/^[CDG][A-Z0-9]{2,}$/.test(channel))
    throw new AppError("VALIDATION_ERROR", 400, "channel_id must be a Slack channel id like C0123ABCD.");
  const { repo } = await parseBody(c, Body);
  if (!(await getRepo(c.env.DB, repo))) throw new AppError("REPO_NOT_ONBOARDED", 422, `Repo ${repo} is not onboarded.`);
  await setChannelRepo(c.env.DB, channel, repo);
  return respond(c, { channel_id: channel, repo });
}
