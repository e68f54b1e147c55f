/** Ways the bot answers: ephemeral via response_url, or thread replies and reactions via the Web API. */
import type { Env } from "../env";
import { log } from "../shared/log";
import { SlackApi } from "./api";

export const botApi = (env: Env) => new SlackApi(env.SLACK_BOT_TOKEN ?? "", env.SLACK_API_BASE_URL);

/** Only the clicker sees it; the original message is left alone. Failures are logged, not thrown. */
export async function ephemeral(responseUrl: string | undefined, text: string): Promise<void> {
  if (!responseUrl) return;
  try {
    const res = await fetch(responseUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ response_type: "ephemeral", replace_original: false, text }),
      signal: AbortSignal.timeout(5000),
    });
    if (!res.ok) log("slack.ephemeral_failed", { status: res.status }, "warn");
  } catch (err) {
    log("slack.ephemeral_failed", { error: String(err) }, "warn");
  }
}

/** A reply in a thread plus an optional reaction swap on the thread root; best effort. */
export async function threadReply(
  env: Env,
  channel: string,
  threadTs: string,
  text: string,
  swap?: { from: string; to: string },
): Promise<void> {
  const api = botApi(env);
  try {
    await api.call("chat.postMessage", { channel, thread_ts: threadTs, text, unfurl_links: false });
    if (swap) {
      await api.call("reactions.remove", { channel, timestamp: threadTs, name: swap.from });
      await api.call("reactions.add", { channel, timestamp: threadTs, name: swap.to });
    }
  } catch (err) {
    log("slack.reply_failed", { channel, error: String(err) }, "warn");
  }
}
